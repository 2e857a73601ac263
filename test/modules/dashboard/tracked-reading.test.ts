import { describe, expect, it } from 'vitest';
import { meanOf } from '../../../src/modules/dashboard/tracked-reading';

describe("meanOf (a roadmap initiative's progress)", () => {
  it('averages the values that are not null; null when none is', () => {
    expect(meanOf([0.5, null, 1])).toBe(0.75);
    expect(meanOf([null])).toBeNull();
  });

  // Progress values are finite but may be huge; their sum must not turn into Infinity in a response.
  it('is null when the values are too large to add up', () => {
    expect(meanOf([Number.MAX_VALUE, Number.MAX_VALUE])).toBeNull();
  });
});
