// What a stored file says about itself, read from ffprobe's JSON or a photo's EXIF: pure parsing, no I/O.

/** What processing learnt about a file: the media row's `probe` column. */
export interface MediaProbe {
  /** Seconds. */
  duration?: number;
  width?: number;
  height?: number;
  codec?: string;
  audioCodec?: string;
  /** When the device says it recorded the file (ISO 8601). */
  capturedAt?: string;
  gps?: { latitude: number; longitude: number };
  camera?: string;
  /** Why processing gave up (state 'unprobed'): a code, never the tool's output. */
  error?: string;
}

/** ISO 6709 as phones write it in a video's `location` tag: `+51.5074-000.1278/` (optionally with altitude). */
export function parseIso6709(value: unknown): { latitude: number; longitude: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)/.exec(value.trim());
  if (!match) return undefined;
  const latitude = Number(match[1]);
  const longitude = Number(match[2]);
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  return { latitude, longitude };
}

export interface FfprobeOutput {
  format?: { duration?: string; tags?: Record<string, string> };
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number; tags?: Record<string, string> }[];
}

/** The facts the desk shows, from ffprobe's JSON. */
export function probeFromFfprobe(output: FfprobeOutput): MediaProbe {
  const probe: MediaProbe = {};
  const duration = Number(output.format?.duration);
  if (Number.isFinite(duration) && duration > 0) probe.duration = Math.round(duration * 1000) / 1000;
  const video = output.streams?.find((s) => s.codec_type === 'video');
  const audio = output.streams?.find((s) => s.codec_type === 'audio');
  if (video?.width && video.height) {
    probe.width = video.width;
    probe.height = video.height;
  }
  if (video?.codec_name) probe.codec = video.codec_name;
  if (audio?.codec_name) probe.audioCodec = audio.codec_name;
  const tags = Object.fromEntries(Object.entries(output.format?.tags ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const created = new Date(tags['com.apple.quicktime.creationdate'] ?? tags.creation_time ?? video?.tags?.creation_time ?? '');
  if (!Number.isNaN(created.getTime())) probe.capturedAt = created.toISOString();
  const gps = parseIso6709(tags['com.apple.quicktime.location.iso6709'] ?? tags.location ?? tags['location-eng']);
  if (gps) probe.gps = gps;
  const camera = [tags['com.apple.quicktime.make'], tags['com.apple.quicktime.model']].filter(Boolean).join(' ');
  if (camera) probe.camera = camera.slice(0, 100);
  return probe;
}
