import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConversionRefused, convert } from './convert.ts';

describe('convert', () => {
  it('converts kilometres to miles with mathjs factors', () => {
    const answer = convert('convert 5 km to miles');
    assert.ok(Math.abs(answer.result - 3.10686) < 1e-5, String(answer.result));
    assert.equal(answer.text, '5 km = 3.10686 miles');
  });

  it('converts temperatures with their offsets, written with the degree sign or the word', () => {
    assert.ok(Math.abs(convert('72 °F in celsius').result - 22.2222) < 1e-4);
    assert.ok(Math.abs(convert('convert 100 degrees celsius to fahrenheit').result - 212) < 1e-9);
    assert.ok(Math.abs(convert('0 °C to kelvin').result - 273.15) < 1e-9);
  });

  it('reads everyday speed spellings mathjs does not know', () => {
    assert.ok(Math.abs(convert('60 mph to km/h').result - 96.56064) < 1e-6);
  });

  it('keeps the case of unit symbols (MB is megabytes)', () => {
    assert.equal(convert('10 MB in GB').result, 0.01);
  });

  it('refuses units of different dimensions, saying which', () => {
    assert.throws(() => convert('convert 1 km to kg'), (error: unknown) => {
      assert.ok(error instanceof ConversionRefused);
      assert.match(error.message, /cannot convert km to kg/);
      return true;
    });
  });

  it('refuses unknown units and sentences without a conversion', () => {
    assert.throws(() => convert('5 flurbs to miles'), ConversionRefused);
    assert.throws(() => convert('what is the weather'), /no conversion found/);
    assert.throws(() => convert('   '), /empty/);
  });

  it('refuses over-long input before parsing it', () => {
    assert.throws(() => convert(`1 km to ${'m'.repeat(600)}`), /longer than 500/);
  });

  it('does not read a decimal comma as a thousands separator or the reverse', () => {
    assert.throws(() => convert('1,5 kg to g'), ConversionRefused);
  });

  it('never evaluates the text as an expression', () => {
    assert.throws(() => convert('convert 5 km to import("fs")'), ConversionRefused);
  });
});
