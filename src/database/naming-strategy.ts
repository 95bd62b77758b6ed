import { DefaultNamingStrategy, type Table, type View, type NamingStrategyInterface } from 'typeorm';
import { createHash } from 'node:crypto';

const snake = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();

const tableNameOf = (tableOrName: Table | View | string) => (typeof tableOrName === 'string' ? tableOrName : tableOrName.name).split('.').pop()!;

// PostgreSQL truncates identifiers at 63 bytes; keep names readable and still unique.
const fit = (name: string) => (name.length <= 63 ? name : `${name.slice(0, 54)}_${createHash('sha1').update(name).digest('hex').slice(0, 8)}`);

/**
 * snake_case tables and columns, and constraint names a person can read in an error message:
 * pk_tips, uq_tips_reference, fk_media_tip_id, ix_media_sha256, ck_payouts_<hash>.
 */
export class SnakeNamingStrategy extends DefaultNamingStrategy implements NamingStrategyInterface {
  override tableName(targetName: string, userSpecifiedName: string | undefined): string {
    return userSpecifiedName ?? snake(targetName);
  }
  override columnName(propertyName: string, customName: string | undefined, prefixes: string[]): string {
    return snake([...prefixes, customName ?? propertyName].join('_'));
  }
  override relationName(propertyName: string): string {
    return snake(propertyName);
  }
  override joinColumnName(relationName: string, referencedColumnName: string): string {
    return snake(`${relationName}_${referencedColumnName}`);
  }
  override primaryKeyName(table: Table | string): string {
    return fit(`pk_${tableNameOf(table)}`);
  }
  override uniqueConstraintName(table: Table | string, columns: string[]): string {
    return fit(`uq_${tableNameOf(table)}_${columns.join('_')}`);
  }
  override foreignKeyName(table: Table | string, columns: string[]): string {
    return fit(`fk_${tableNameOf(table)}_${columns.join('_')}`);
  }
  override indexName(table: Table | View | string, columns: string[]): string {
    return fit(`ix_${tableNameOf(table)}_${columns.join('_')}`);
  }
  override relationConstraintName(table: Table | string, columns: string[]): string {
    return fit(`rel_${tableNameOf(table)}_${columns.join('_')}`);
  }
  override defaultConstraintName(table: Table | string, column: string): string {
    return fit(`df_${tableNameOf(table)}_${column}`);
  }
  override checkConstraintName(table: Table | string, expression: string, isEnum?: boolean): string {
    const hash = createHash('sha1').update(expression).digest('hex').slice(0, 8);
    return fit(`${isEnum ? 'ck_enum' : 'ck'}_${tableNameOf(table)}_${hash}`);
  }
}
