// Media processing benchmark (issue 5): probe + poster of a 1-minute 1080p clip through the app's
// job path (POST /api/tips → commit → pg-boss job → blob copy, ffprobe, ffmpeg, poster stored,
// row 'ready') against ffprobe + ffmpeg run directly on the same file. Target: under 2×.
// Runs the COMPILED app (dist/) in its own process, like the other benches (see bench/README.md).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { envInt, formatBytes, freshBenchDatabase, makeTmpDir, median, onCleanup, run, sleep, snapshotDist, startTipdesk } from './lib.mjs';

const exec = promisify(execFile);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const SECONDS = envInt('BENCH_CLIP_SECONDS', 60);
const RATIO_TARGET = 2;

async function ffmpeg(args) {
  try {
    await exec('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    if (error.code === 'ENOENT') throw new Error('ffmpeg is not installed: run `apt-get install -y ffmpeg`', { cause: error });
    throw error;
  }
}

/** What the app's job does, run by hand: the same ffprobe and ffmpeg arguments. */
async function direct(clip, out) {
  const started = performance.now();
  await exec('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', clip], { maxBuffer: 4 * 1024 * 1024 });
  await ffmpeg(['-ss', '1', '-i', clip, '-frames:v', '1', '-vf', "scale='min(320,iw)':-2", '-q:v', '5', '-f', 'image2', out]);
  return performance.now() - started;
}

async function main() {
  const dir = await makeTmpDir('tipdesk-bench-media-');
  const clip = join(dir, 'clip.mp4');
  console.log(`making a ${SECONDS} s 1080p clip with ffmpeg...`);
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=1920x1080:rate=30:duration=${SECONDS}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${SECONDS}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    '-metadata',
    'creation_time=2026-11-29T14:30:00Z',
    '-metadata',
    'location=+51.5074-000.1278/',
    clip,
  ]);
  const bytes = await readFile(clip);
  console.log(`clip: ${formatBytes(bytes.length)}`);

  const distDir = await snapshotDist();

  const { databaseUrl } = await freshBenchDatabase(distDir, 'media');
  const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  onCleanup(() => db.end());

  const app = await startTipdesk({ distDir, dataDir: await makeTmpDir('tipdesk-bench-media-data-'), databaseUrl, extraEnv: { JOBS_POLL_SECONDS: '1' } });

  const directTimes = [];
  const appTimes = [];
  for (let round = 1; round <= ROUNDS; round++) {
    directTimes.push(await direct(clip, join(dir, `poster-${round}.jpg`)));

    const form = new FormData();
    for (const [k, v] of Object.entries({ story: 'Bench: a minute of 1080p', consentTerms: 'true', consentOwnWork: 'true', consentOver18: 'true' }))
      form.append(k, v);
    form.append('files', new Blob([bytes], { type: 'video/mp4' }), 'clip.mp4');
    const res = await fetch(`${app.url}/api/tips`, { method: 'POST', body: form });
    if (res.status !== 201) throw new Error(`tip post failed: ${res.status} ${await res.text()}`);
    // The clock starts when the tip (and its file) has committed: what follows is the job path.
    const started = performance.now();
    const { reference } = await res.json();
    for (;;) {
      const {
        rows: [media],
      } = await db.query(`SELECT m.state FROM media m JOIN tips t ON t.id = m.tip_id WHERE t.reference = $1`, [reference]);
      if (media?.state === 'ready') break;
      if (media?.state === 'unprobed') throw new Error('the app could not read the clip');
      if (performance.now() - started > 300_000) throw new Error('the job did not finish in 5 minutes');
      await sleep(10);
    }
    appTimes.push(performance.now() - started);
    console.log(`round ${round}: direct ${directTimes.at(-1).toFixed(0)} ms, app job ${appTimes.at(-1).toFixed(0)} ms`);
  }
  const ratio = median(appTimes) / median(directTimes);
  console.log(`\nprobe + poster of a ${SECONDS} s 1080p clip (${formatBytes(bytes.length)}), median of ${ROUNDS}:`);
  console.log(`  ffprobe + ffmpeg directly: ${median(directTimes).toFixed(0)} ms`);
  console.log(`  through the app's job:     ${median(appTimes).toFixed(0)} ms`);
  // A missed target is a finding, not an error (bench/README.md).
  console.log(`  ratio ${ratio.toFixed(2)}× (target < ${RATIO_TARGET}×) ${ratio < RATIO_TARGET ? 'met' : 'MISSED'}`);
  return 0;
}

run(main);
