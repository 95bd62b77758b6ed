import { describe, expect, it } from '@jest/globals';
import { FILES_ONLY_STORY, normaliseAddress, pendingBackoffSeconds, storyOf } from '../../src/channels/channel-intake.rules.js';

describe("a new channel tip's story", () => {
  it.each([
    [{ subject: 'Crash on the A14', text: 'Two cars.' }, 'Crash on the A14\n\nTwo cars.'],
    [{ subject: '  ', text: ' Two cars. ' }, 'Two cars.'],
    [{ subject: 'Only a subject', text: '' }, 'Only a subject'],
    [{ text: 'WhatsApp text' }, 'WhatsApp text'],
    [{ text: '   ' }, FILES_ONLY_STORY],
  ])('%j → %j', (msg, story) => {
    expect(storyOf(msg)).toBe(story);
  });
});

describe("a sender's address, normalised before it is hashed", () => {
  it.each([
    ['email', ' Pat.Reader@Example.ORG ', 'pat.reader@example.org'],
    ['whatsapp', '+44 7700-900 (123)', '+447700900123'],
    ['whatsapp', '447700900123', '447700900123'],
  ] as const)('%s %j → %j', (channel, address, normalised) => {
    expect(normaliseAddress(channel, address)).toBe(normalised);
  });
});

describe('the wait before fetching a pending file again', () => {
  it.each([
    [1, 60],
    [2, 120],
    [3, 240],
    [9, 60 * 256],
    [20, 6 * 3600],
  ])('after %i failed tries: %i s', (attempts, seconds) => {
    expect(pendingBackoffSeconds(attempts)).toBe(seconds);
  });
});
