import { describe, expect, it } from '@jest/globals';
import { parseIso6709, probeFromFfprobe } from '../../src/media/media-probe.js';
import { mediaFacts } from '../../src/web/desk/media-facts.js';

describe('parseIso6709 (the location tag phones write into videos)', () => {
  it.each([
    ['+51.5074-000.1278/', { latitude: 51.5074, longitude: -0.1278 }],
    ['+51.5074-000.1278+011.000/', { latitude: 51.5074, longitude: -0.1278 }],
    ['-33.8688+151.2093/', { latitude: -33.8688, longitude: 151.2093 }],
    ['+40.7128-074.0060', { latitude: 40.7128, longitude: -74.006 }],
  ])('%s → %j', (value, expected) => {
    expect(parseIso6709(value)).toEqual(expected);
  });

  it.each([[''], ['London'], ['+91.0000+000.0000/'], ['+10.0000+181.0000/'], [undefined], [42]])('%p → undefined', (value) => {
    expect(parseIso6709(value)).toBeUndefined();
  });
});

describe('probeFromFfprobe', () => {
  it('a phone video: duration, resolution, codecs, capture time, GPS, device', () => {
    expect(
      probeFromFfprobe({
        format: {
          duration: '12.345678',
          tags: {
            creation_time: '2026-11-29T14:30:00.000000Z',
            'com.apple.quicktime.location.ISO6709': '+51.5074-000.1278+011.000/',
            'com.apple.quicktime.make': 'Apple',
            'com.apple.quicktime.model': 'iPhone 15',
          },
        },
        streams: [
          { codec_type: 'video', codec_name: 'hevc', width: 1920, height: 1080 },
          { codec_type: 'audio', codec_name: 'aac' },
        ],
      }),
    ).toEqual({
      duration: 12.346,
      width: 1920,
      height: 1080,
      codec: 'hevc',
      audioCodec: 'aac',
      capturedAt: '2026-11-29T14:30:00.000Z',
      gps: { latitude: 51.5074, longitude: -0.1278 },
      camera: 'Apple iPhone 15',
    });
  });

  it('nothing known → an empty probe (no invented values)', () => {
    expect(probeFromFfprobe({ format: { duration: 'N/A', tags: { creation_time: 'yesterday' } }, streams: [] })).toEqual({});
  });
});

describe('mediaFacts (the tip page lines)', () => {
  it('formats resolution, codecs and an OpenStreetMap link', () => {
    expect(mediaFacts({ width: 320, height: 240, codec: 'h264', audioCodec: 'aac', gps: { latitude: 51.5074, longitude: -0.1278 } })).toEqual({
      resolution: '320×240',
      codec: 'h264 / aac',
      gps: { label: '51.5074, -0.1278', mapUrl: 'https://www.openstreetmap.org/?mlat=51.5074&mlon=-0.1278#map=16/51.5074/-0.1278' },
    });
  });

  it("an unreadable file's probe (only an error code) shows no facts", () => {
    expect(mediaFacts({ error: 'MEDIA_UNREADABLE' })).toBeNull();
    expect(mediaFacts(null)).toBeNull();
  });
});
