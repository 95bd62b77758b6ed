// tipdesk's layer rules, checked by `npm run lint:deps` (part of `npm test`). See src/README.md
// for the module map these rules keep true.
/** Entry points that wire everything together may import any module. */
const WIRING = '^src/(main|app\\.module|app-setup|cli|cli-staff|cli-shared|cli-audit|cli-certificate|cli-retention|cli-keys|core\\.module)\\.ts$';
/**
 * The database's wiring: the list of every entity (entities.ts), the DataSource options and
 * CLI data source built from it, the migrations and their runner, and the boot-time connection
 * budget (which adds up every pool, pg-boss's included). They import every module by design, as
 * main.ts does; the modules import only src/database's leaves (generate-sql.ts, naming-strategy.ts).
 * Their own imports are not followed (options.doNotFollow), so src/database is not counted as
 * depending on every module (which made every module that has a repository part of a folder
 * cycle); the rule below keeps everyone but the wiring from importing them.
 */
const DATABASE_WIRING = '^src/database/(entities|data-source|data-source-options|migrate|connection-budget)\\.ts$|^src/database/migrations/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      comment: 'A file cycle makes load order matter and hides which file owns what.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      comment: 'Modules (folders) form a tree of dependencies: a cycle between folders means two modules are one, or one reaches back up.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'nothing-imports-web',
      comment: 'Pages (web/) sit on top: a module below must not depend on how a page looks.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/web/', WIRING] },
      to: { path: '^src/web/' },
    },
    {
      name: 'nothing-below-imports-channels',
      comment:
        'Channels (email, WhatsApp, phone) sit on top of tips and the desk; modules below reach them through events or jobs. privacy/ sits beside them on top: an erasure removes what a channel holds of a tip (its sender hashes).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/channels/', '^src/privacy/', '^src/web/', WIRING] },
      to: { path: '^src/channels/' },
    },
    {
      name: 'leaf-helpers-import-nothing-of-the-app',
      comment: 'text/, crypto/ and network/ are shared leaves: they may use each other and libraries, nothing else of tipdesk.',
      severity: 'error',
      from: { path: '^src/(text|crypto|network)/' },
      to: { path: '^src/', pathNot: '^src/(text|crypto|network)/' },
    },
    {
      name: 'only-wiring-imports-database-wiring',
      comment: 'The entity list, DataSource options and migrations are wiring (see DATABASE_WIRING): a module below that imported them would depend on every module.',
      severity: 'error',
      from: { path: '^src/', pathNot: [WIRING, DATABASE_WIRING] },
      to: { path: DATABASE_WIRING },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', DATABASE_WIRING] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs'] },
  },
};
