/** What processing read from a file, in the words the tip page shows (each line only when known). */
export function mediaFacts(
  probe: Record<string, unknown> | null,
): { resolution?: string; codec?: string; capturedAt?: Date; camera?: string; gps?: { label: string; mapUrl: string } } | null {
  if (!probe) return null;
  const facts: NonNullable<ReturnType<typeof mediaFacts>> = {};
  if (Number.isInteger(probe.width) && Number.isInteger(probe.height)) facts.resolution = `${probe.width as number}×${probe.height as number}`;
  const codecs = [probe.codec, probe.audioCodec].filter((c): c is string => typeof c === 'string' && c.length > 0);
  if (codecs.length) facts.codec = codecs.join(' / ');
  const captured = typeof probe.capturedAt === 'string' ? new Date(probe.capturedAt) : undefined;
  if (captured && !Number.isNaN(captured.getTime())) facts.capturedAt = captured;
  if (typeof probe.camera === 'string' && probe.camera) facts.camera = probe.camera;
  const gps = probe.gps as { latitude?: unknown; longitude?: unknown } | undefined;
  if (gps && typeof gps.latitude === 'number' && typeof gps.longitude === 'number' && Number.isFinite(gps.latitude) && Number.isFinite(gps.longitude)) {
    const lat = Number(gps.latitude.toFixed(6));
    const lon = Number(gps.longitude.toFixed(6));
    facts.gps = { label: `${lat}, ${lon}`, mapUrl: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}` };
  }
  return Object.keys(facts).length ? facts : null;
}
