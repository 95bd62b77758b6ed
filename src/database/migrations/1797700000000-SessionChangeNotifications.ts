import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * NOTIFY tipdesk_sessions whenever a cached session could have become wrong: a session deleted
 * (sign-out, revocation, the sweep), changed other than its idle clock moving forward, or its
 * staff member's name, email, role, 2FA or disabled state changed. Every app process LISTENs and
 * empties its session cache (staff/session-cache.ts). A trigger rather than a call in each code
 * path, so a revocation nobody thought of, or one made in SQL by an operator, still reaches them.
 * The payload is empty: identical notifications in one transaction are sent once.
 */
export class SessionChangeNotifications1797700000000 implements MigrationInterface {
  name = 'SessionChangeNotifications1797700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE FUNCTION notify_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         PERFORM pg_notify('tipdesk_sessions', '');
         RETURN NULL;
       END $$`,
    );
    await queryRunner.query(`CREATE TRIGGER tr_sessions_deleted_notify AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION notify_session_change()`);
    await queryRunner.query(
      `CREATE TRIGGER tr_sessions_changed_notify AFTER UPDATE ON sessions FOR EACH ROW
       WHEN (NEW.last_seen_at < OLD.last_seen_at
             OR (OLD.token_hash, OLD.kind, OLD.staff_user_id, OLD.tip_id, OLD.csrf_token, OLD.created_at, OLD.expires_at)
                IS DISTINCT FROM (NEW.token_hash, NEW.kind, NEW.staff_user_id, NEW.tip_id, NEW.csrf_token, NEW.created_at, NEW.expires_at))
       EXECUTE FUNCTION notify_session_change()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER tr_staff_users_session_fields_notify AFTER UPDATE ON staff_users FOR EACH ROW
       WHEN ((OLD.email, OLD.name, OLD.role, OLD.totp_enabled_at, OLD.disabled_at)
             IS DISTINCT FROM (NEW.email, NEW.name, NEW.role, NEW.totp_enabled_at, NEW.disabled_at))
       EXECUTE FUNCTION notify_session_change()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER tr_staff_users_session_fields_notify ON staff_users`);
    await queryRunner.query(`DROP TRIGGER tr_sessions_changed_notify ON sessions`);
    await queryRunner.query(`DROP TRIGGER tr_sessions_deleted_notify ON sessions`);
    await queryRunner.query(`DROP FUNCTION notify_session_change()`);
  }
}
