-- MessageBodiesRepository: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)

-- MessageBodiesRepository.messageBody
SELECT body FROM messages WHERE id = $1 AND tip_id = $2;
