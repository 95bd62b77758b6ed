// Desk queue latency (issue 3): GET /api/tips over 1,000,000 seeded tips — the first page, page
// 500 of the cursor chain, a status+tag filter and a full-text search — through HTTP against the
// COMPILED app (a copy of dist/), each with the EXPLAIN (ANALYZE, BUFFERS) of the SQL the desk
// service runs, and the first page also run straight through `pg` as a baseline. See bench/README.md.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { distImport, envInt, freshBenchDatabase, makeTmpDir, onCleanup, percentile, run, snapshotDist, startTipdesk } from './lib.mjs';

const TIPS = envInt('BENCH_DESK_TIPS', 1_000_000);
const REQUESTS = envInt('BENCH_DESK_REQUESTS', 300);
const WARMUP = envInt('BENCH_DESK_WARMUP', 30);
const DEEP_PAGE = envInt('BENCH_DESK_DEEP_PAGE', 500);
const KEEP_DATABASE = process.env.BENCH_KEEP_DATABASE === '1';
const TARGETS = { first: 10, deep: 10, statusTag: 10, search: 50 };
const COMMON_TERM = 'police';
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF; // a directory: profile the app child with --cpu-prof
// Extra node flags for the app child only, e.g. "--max-semi-space-size=4" (space-separated).
const APP_NODE_ARGS = (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
const EDITOR_PASSWORD = `bench-${randomBytes(12).toString('base64url')}`;

// ---------------------------------------------------------------------------------------------
// Vocabulary for the stories: three tiers, so full-text terms have very different selectivity.

// Common newsroom words: 8 of these 60 in every story, so each is in roughly one story in eight.
const COMMON = `police fire road street school council hospital train bus station bridge river park market shop
  crash flood storm protest strike queue traffic accident ambulance van lorry car bike video photo footage
  morning evening night weekend crowd residents driver passengers children teachers workers mayor
  officers firefighters smoke water power outage closure delay damage repairs estate tower
  warehouse factory harbour`.split(/\s+/);
// Less common: 3 of these 200 per story (about 1.5 % of stories each).
const MEDIUM = `abandoned alarm allotment ambush anchor antique apartment arcade archive arena arson asbestos
  auction avalanche bakery balcony ballot bandstand banner barge barrier basement battery beach beacon
  bees billboard blackout blaze boat bollard bomb boiler bouquet brawl brewery burglary cafe canal
  candle carnival castle cathedral cattle cellar chapel chimney cinema circus clinic cliff clock
  collapse concert convoy cottage courthouse crane cricket crossing curfew cyclist dam debris deer
  demolition depot diesel dinghy dispute dock dog drone drought dumping embankment eviction explosion
  fairground ferry festival fireworks fishermen flats floodwater fog fountain fox fraud fuel gallery
  gas gate graffiti greenhouse gull hailstorm hedge helicopter heron highway hoax horse hotel ice
  jetty junction kiosk ladder lamppost landslide laundrette library lifeboat lighthouse litter lock
  manhole marina marquee mast meadow mill minibus monument mosque motorway mural museum orchard otter
  paddock pavement pier pigeon pipeline pitch playground plaque pond pothole pub pylon quarry railway
  reservoir riot roadworks roof roundabout ruins sandbags scaffolding scooter seal sewage shed shelter
  shipwreck shoplifting siren skatepark sinkhole snowfall stadium stables statue steeple subway
  supermarket swan synagogue tanker tannery taxi telescope tent theatre thunderstorm tractor tram
  trawler tunnel turbine vandalism viaduct vineyard wall wasps weir wharf wildfire windmill yacht zoo
  badger kestrel`.split(/\s+/);
// Place names: one in every story, each in about one story in 300: "a few thousand" of a million.
const PLACE_START = 'Ash Brack Bram Cal Dun Elm Fern Glen Hart Holl Kirk Lang Mar Nor Oak Pen Rad Sel Thorn Wes'.split(' ');
const PLACE_END = 'bury ford ham ley mouth stead ton wick worth field'.split(' ');
const PLACES = PLACE_START.flatMap((a) => PLACE_END.map((b) => a + b)).concat(
  'Avonmere Baxenden Cleggmoor Drumlow Eskdale Fallowfield Grimsby Hexley Ivybridge Jarrow'
    .split(' ')
    .flatMap((a, i) => ['North', 'South', 'Upper', 'Lower', 'Old', 'New', 'Great', 'Little', 'East', 'West'].map((b) => `${b}${a.toLowerCase()}${i}`)),
);
const CITIES = 'London Leeds Bristol Glasgow Cardiff Belfast Manchester Liverpool Newcastle Norwich Brighton Hull Derby Exeter York'.split(' ');
const FIRST_NAMES = `Amira Ben Chloe Dev Ewan Fatima George Hana Isaac Jade Kwame Leah Mohammed Niamh Oscar Priya Quinn Rosa
  Sam Tariq Uma Viktor Wendy Xavier Yusuf Zoe Aled Bronwen Callum Deirdre`.split(/\s+/);
const LAST_NAMES = `Smith Jones Patel Khan Williams Brown Taylor Davies Evans Wilson Thomas Roberts Okafor Nowak Murphy
  Kelly Walsh Campbell Stewart Ahmed Ali Begum Hughes Lewis Clarke Price Morgan Ellis Okonkwo Fraser`.split(/\s+/);
const TAGS = ['weather', 'crime', 'transport', 'politics', 'health', 'sport', 'business', 'education', 'environment', 'animals', 'celebrity', 'court'];
const STAFF_NAMES = ['Bench Editor', 'Ada Desk', 'Bo Night', 'Cy Weekend', 'Di Picture', 'Ed Video', 'Flo Sport', 'Gus Politics', 'Hal City', 'Ivy Courts'];

const sqlList = (words) => `ARRAY[${words.map((w) => `'${w.replace(/'/g, "''")}'`).join(',')}]::text[]`;
const pick = (list) => `(${sqlList(list)})[1 + floor(random() * ${list.length})::int]`;

/** A story of ~20 words in one of three shapes; the stop words only make it read like one. */
function storySql() {
  const c = () => pick(COMMON);
  const m = () => pick(MEDIUM);
  const shapes = [
    [c(), c(), "'near'", m(), "'in'", 'place', "'this'", c(), "'and'", c(), m(), c(), "'on the'", c(), m(), c(), "'after the'", c()],
    ["'I filmed the'", c(), m(), "'at'", 'place', "'when the'", c(), c(), m(), "'and'", c(), c(), "'with'", c(), c(), m()],
    ["'Tip:'", m(), c(), c(), "'outside'", 'place', c(), "'was'", c(), m(), "'then the'", c(), c(), "'got'", c(), m(), c()],
  ];
  return `CASE g % 3 ${shapes.map((s, i) => `WHEN ${i} THEN concat_ws(' ', ${s.join(', ')})`).join(' ')} END`;
}

// ---------------------------------------------------------------------------------------------

async function seed(db, { hashPassword }, log) {
  const step = async (label, sql, params = []) => {
    const started = performance.now();
    const result = await db.query(sql, params);
    log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s${result.rowCount ? ` (${result.rowCount.toLocaleString('en')} rows)` : ''}`);
    return result;
  };
  await db.query(`SET maintenance_work_mem = '512MB'`);
  await db.query(`SET synchronous_commit = off`);

  // Build the secondary indexes once after the load instead of row by row: the same definitions
  // (pg_get_indexdef), so the schema under test is exactly what the migrations made.
  const { rows: indexes } = await db.query(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
      WHERE t.relname IN ('tips', 'contributors', 'media') AND NOT x.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
  );
  for (const index of indexes) await db.query(`DROP INDEX ${index.name}`);

  await step(
    'staff',
    `INSERT INTO staff_users (id, email, name, role, password_hash)
     SELECT md5('staff' || n)::uuid, 'bench-' || n || '@newsroom.test', name, 'editor', $2
       FROM unnest($1::text[]) WITH ORDINALITY AS s(name, n)`,
    [STAFF_NAMES, await hashPassword(EDITOR_PASSWORD)],
  );
  await step(
    'contributors',
    `INSERT INTO contributors (id, name, created_at)
     SELECT md5('contributor' || g)::uuid,
            CASE WHEN g % 10 < 8 THEN ${pick(FIRST_NAMES)} || ' ' || ${pick(LAST_NAMES)} END,
            now() - random() * interval '730 days'
       FROM generate_series(1, $1) g`,
    [TIPS],
  );
  await step(
    'tips',
    `INSERT INTO tips (reference, secret_hash, channel, status, story, location, contributor_id, assignee_id, priority, tags, created_at, updated_at)
     SELECT 'TD-' || upper(substr(lpad(to_hex(g), 8, '0'), 1, 4)) || '-' || upper(substr(lpad(to_hex(g), 8, '0'), 5, 4)),
            md5('a' || g) || md5('b' || g),
            channel, status, ${storySql()}, location,
            md5('contributor' || g)::uuid,
            CASE WHEN status NOT IN ('new', 'spam', 'rejected') OR g % 50 = 0 THEN md5('staff' || (1 + g % ${STAFF_NAMES.length}))::uuid END,
            CASE WHEN g % 20 = 0 THEN 1 + g % 3 ELSE 0 END,
            array_remove(ARRAY[
              CASE WHEN r1 < 0.6 THEN ${pick(TAGS.slice(0, 4))} END,
              CASE WHEN r2 < 0.25 THEN ${pick(TAGS.slice(4, 8))} END,
              CASE WHEN r3 < 0.05 THEN ${pick(TAGS.slice(8))} END
            ], NULL),
            created_at, created_at
       FROM (
         SELECT g, random() AS r1, random() AS r2, random() AS r3, place,
                CASE WHEN g % 10 < 7 THEN place || ', ' || ${pick(CITIES)} END AS location,
                (ARRAY['web','web','web','web','web','email','email','whatsapp','whatsapp','phone','api'])[1 + g % 11] AS channel,
                CASE WHEN r < 0.45 THEN 'new' WHEN r < 0.75 THEN 'in_review' WHEN r < 0.83 THEN 'verified' WHEN r < 0.88 THEN 'used'
                     WHEN r < 0.93 THEN 'rejected' WHEN r < 0.97 THEN 'spam' ELSE 'archived' END AS status,
                now() - random() * interval '730 days' AS created_at
           -- OFFSET 0 keeps each row's random draws (r, place) single: never re-evaluated per reference.
           FROM (SELECT g, random() AS r, ${pick(PLACES)} AS place FROM generate_series(1, $1) g OFFSET 0) numbered
         OFFSET 0
       ) s
      -- In created_at order, as tips arrive: the table's physical order follows created_at as in production.
      ORDER BY s.created_at`,
    [TIPS],
  );
  // About 30 % of tips carry 1–3 files; a few share a sha256 (the same clip sent twice).
  await step(
    'media',
    `INSERT INTO media (id, tip_id, storage_key, display_filename, sniffed_type, kind, size_bytes, sha256, state, created_at)
     SELECT gen_random_uuid(), t.id, 'bench/' || gen_random_uuid(), 'clip-' || n || '.mp4',
            CASE WHEN n = 2 THEN 'image/jpeg' ELSE 'video/mp4' END, CASE WHEN n = 2 THEN 'image' ELSE 'video' END,
            1000000 + (random() * 100000000)::bigint,
            CASE WHEN random() < 0.02 THEN md5('shared' || (random() * 1000)::int) || md5('x') ELSE md5(random()::text) || md5(random()::text) END,
            'ready', t.created_at
       FROM tips t CROSS JOIN LATERAL generate_series(1, 1 + abs(hashtext(t.id::text)) % 3) n
      WHERE abs(hashtext(t.id::text || 'm')) % 10 < 3`,
  );
  for (const index of indexes) await step(`index ${index.name}`, index.definition);
  await step('VACUUM ANALYZE', 'VACUUM ANALYZE staff_users, contributors, tips, media');
}

// ---------------------------------------------------------------------------------------------

function httpGet(agent, url, cookie) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { cookie } }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** `count` sequential requests after `WARMUP` unmeasured ones; every answer must be 200. */
async function timeRequests(label, fn, count = REQUESTS) {
  for (let i = 0; i < WARMUP; i++) await fn();
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const r = { label, n: count, p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1) };
  console.log(`  ${label.padEnd(32)} p50 ${r.p50.toFixed(2)} ms  p95 ${r.p95.toFixed(2)} ms  max ${r.max.toFixed(2)} ms  (n=${count})`);
  return r;
}

const indexesIn = (plan) => [
  ...new Set([...plan.matchAll(/(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)/g)].map((m) => m[1])),
];

async function main() {
  const loadBefore = loadavg()[0];
  const distDir = await snapshotDist();
  const { hashPassword } = await distImport(distDir, 'staff/passwords.js');
  // The desk's own SQL builder: the EXPLAINs and the raw-pg baseline run exactly what the service runs.
  const { planTipList } = await distImport(distDir, 'desk/tip-list.query.js');

  const { databaseUrl, name } = await freshBenchDatabase(distDir, 'desk', { keep: KEEP_DATABASE });
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  onCleanup(() => db.end());
  const settings = (await db.query(`SELECT current_setting('server_version') v, current_setting('shared_buffers') sb, current_setting('work_mem') wm`)).rows[0];
  console.log(`seeding ${TIPS.toLocaleString('en')} tips into ${name} (PostgreSQL ${settings.v}, shared_buffers ${settings.sb}, work_mem ${settings.wm})...`);
  const seedStarted = performance.now();
  await seed(db, { hashPassword }, console.log);
  const counts = (
    await db.query(
      `SELECT (SELECT count(*) FROM tips)::int tips, (SELECT count(*) FROM media)::int media, (SELECT count(DISTINCT tip_id) FROM media)::int with_media`,
    )
  ).rows[0];
  console.log(
    `seeded in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s: ${counts.tips.toLocaleString('en')} tips, ${counts.media.toLocaleString('en')} media rows on ${counts.with_media.toLocaleString('en')} tips`,
  );

  // The search term: a place name in a few thousand stories of a million (counted, not assumed).
  const candidates = PLACES.slice(0, 12);
  let term;
  for (const candidate of candidates) {
    const {
      rows: [{ n }],
    } = await db.query(`SELECT count(*)::int n FROM tips WHERE search_vector @@ websearch_to_tsquery('english', $1)`, [candidate]);
    if (n >= TIPS / 1000 && n <= TIPS / 100) {
      term = { q: candidate, matches: n };
      break;
    }
  }
  if (!term) throw new Error(`none of ${candidates.join(', ')} is in 0.1–1 % of the tips`);
  const statusTag = { status: 'in_review', tag: 'transport' };
  const {
    rows: [{ n: statusTagMatches }],
  } = await db.query(`SELECT count(*)::int n FROM tips WHERE status = $1 AND tags @> ARRAY[$2]`, [statusTag.status, statusTag.tag]);

  const app = await startTipdesk({
    distDir,
    dataDir: await makeTmpDir('tipdesk-bench-app-'),
    databaseUrl,
    nodeArgs: [...APP_NODE_ARGS, ...(CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [])],
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  onCleanup(async () => agent.destroy());
  const login = await new Promise((resolve, reject) => {
    const body = JSON.stringify({ email: 'bench-1@newsroom.test', password: EDITOR_PASSWORD });
    const req = http.request(
      `${app.url}/api/auth/login`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  if (login.statusCode !== 200) throw new Error(`sign-in failed: ${login.statusCode}`);
  const cookie = []
    .concat(login.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ');
  const editorId = (await db.query(`SELECT id FROM staff_users WHERE email = 'bench-1@newsroom.test'`)).rows[0].id;
  const plan = (filters) => planTipList(filters, editorId, async (sql, params) => (await db.query(sql, params)).rows);

  const api = async (query) => {
    const res = await httpGet(agent, `${app.url}/api/tips${query ? `?${query}` : ''}`, cookie);
    if (res.status !== 200) throw new Error(`GET /api/tips?${query} answered ${res.status}: ${res.body.slice(0, 300)}`);
    return JSON.parse(res.body);
  };

  // Walk the cursor chain to page DEEP_PAGE (50 rows a page), as an editor paging back would.
  console.log(`walking the cursor chain to page ${DEEP_PAGE}...`);
  let cursor = null;
  const walkStarted = performance.now();
  for (let page = 1; page < DEEP_PAGE; page++) {
    const body = await api(cursor ? `cursor=${cursor}` : '');
    cursor = body.nextCursor;
    if (!cursor) throw new Error(`the chain ended at page ${page}`);
  }
  const walkMs = performance.now() - walkStarted;
  const deepPage = await api(`cursor=${cursor}`);
  const { rows: offsetRows } = await db.query(`SELECT id FROM tips ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 50`, [(DEEP_PAGE - 1) * 50]);
  if (deepPage.items.map((i) => i.id).join() !== offsetRows.map((r) => r.id).join())
    throw new Error(`page ${DEEP_PAGE} by cursor differs from OFFSET ${(DEEP_PAGE - 1) * 50}`);
  console.log(
    `  ${DEEP_PAGE - 1} pages in ${(walkMs / 1000).toFixed(1)} s (${(walkMs / (DEEP_PAGE - 1)).toFixed(2)} ms a page); page ${DEEP_PAGE} matches OFFSET ${(DEEP_PAGE - 1) * 50} row for row`,
  );

  const cases = [
    { key: 'first', label: 'first page', query: '', filters: {} },
    { key: 'deep', label: `page ${DEEP_PAGE} (cursor)`, query: `cursor=${cursor}`, filters: { cursor } },
    {
      key: 'statusTag',
      label: `status=${statusTag.status}&tag=${statusTag.tag}`,
      query: `status=${statusTag.status}&tag=${statusTag.tag}`,
      filters: { status: [statusTag.status], tag: [statusTag.tag] },
    },
    { key: 'search', label: `q=${term.q}`, query: `q=${encodeURIComponent(term.q)}`, filters: { q: term.q } },
    // For information: a word in one story in eight, which the desk finds by walking the index instead.
    { key: 'common', label: `q=${COMMON_TERM} (info)`, query: `q=${COMMON_TERM}`, filters: { q: COMMON_TERM } },
  ];

  console.log(`\nHTTP GET /api/tips, one request at a time over keep-alive, ${WARMUP} warm-up + ${REQUESTS} measured each:`);
  const results = {};
  for (const c of cases) {
    const body = await api(c.query);
    if (body.items.length !== 50) throw new Error(`${c.label} returned ${body.items.length} items, expected a full page of 50`);
    results[c.key] = await timeRequests(c.label, () => api(c.query));
  }

  // The same first-page SQL straight through pg (one connection, no HTTP, no framework).
  console.log("\nthe first page's SQL straight through pg:");
  const first = await plan({});
  const raw = await timeRequests('raw pg, first page SQL', () => db.query(first.sql, first.params));

  console.log('\nEXPLAIN (ANALYZE, BUFFERS) of the SQL DeskService runs:');
  const plans = {};
  for (const c of cases) {
    const { sql, params, strategy } = await plan(c.filters);
    const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    plans[c.key] = { strategy, text: rows.map((r) => r['QUERY PLAN']).join('\n') };
    console.log(`\n--- ${c.label} (${strategy}) ---\n${plans[c.key].text}`);
  }

  const verdict = (key) => (!TARGETS[key] ? 'info' : results[key].p95 <= TARGETS[key] ? 'MET' : 'MISSED');
  const line = (key) =>
    `  ${results[key].label.padEnd(32)} p50 ${results[key].p50.toFixed(2).padStart(6)} ms  p95 ${results[key].p95.toFixed(2).padStart(6)} ms  ` +
    `${TARGETS[key] ? `(target p95 ≤ ${TARGETS[key]} ms)` : '(no target)'.padEnd(23)} ${verdict(key).padEnd(6)} ${plans[key].strategy}: ${indexesIn(plans[key].text).join(', ')}`;
  console.log(
    [
      '',
      '================ desk-queue bench summary ================',
      `${counts.tips.toLocaleString('en')} tips (${counts.with_media.toLocaleString('en')} with media), PostgreSQL ${settings.v}; ` +
        `search term "${term.q}" is in ${term.matches.toLocaleString('en')} tips; ${statusTag.status}+${statusTag.tag}: ${statusTagMatches.toLocaleString('en')} tips`,
      ...cases.map((c) => line(c.key)),
      `  first page vs raw pg: raw p50 ${raw.p50.toFixed(2)} ms p95 ${raw.p95.toFixed(2)} ms | tipdesk/raw p95 ratio ${(results.first.p95 / raw.p95).toFixed(2)}, p50 ratio ${(results.first.p50 / raw.p50).toFixed(2)}`,
      `  (one client, one request at a time, on the same machine (${cpus().length} CPUs) as the app and PostgreSQL;`,
      `   1-min load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end)`,
      '==========================================================',
    ].join('\n'),
  );
}

run(main);
