import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goalMet } from '../figure.ts';
import { median, round } from '../stats.ts';

test('when the sample has an odd count, then the median is its middle value whatever the order', () => {
  assert.equal(median([9, 1, 5]), 5);
});

test('when the sample has an even count, then the median is the mean of the two middle values', () => {
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('when the sample is empty, then median refuses it instead of returning NaN', () => {
  assert.throws(() => median([]), /empty sample/);
});

test('when rounding to decimals, then the value keeps that many', () => {
  assert.equal(round(0.85449, 3), 0.854);
  assert.equal(round(1234.5), 1235);
});

test('when a figure has a goal, then goalMet compares in the goal direction, inclusive', () => {
  assert.equal(goalMet({ name: 'ratio', value: 0.85, goal: { op: '>=', value: 0.85 } }), true);
  assert.equal(goalMet({ name: 'ratio', value: 0.84, goal: { op: '>=', value: 0.85 } }), false);
  assert.equal(goalMet({ name: 'p99', value: 12, goal: { op: '<=', value: 10 } }), false);
  assert.equal(goalMet({ name: 'p99', value: 10, goal: { op: '<=', value: 10 } }), true);
  assert.equal(goalMet({ name: 'plain', value: 1 }), undefined);
});
