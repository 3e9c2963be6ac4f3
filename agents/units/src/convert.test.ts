import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConversionRefused, convert, convertQuantity } from './convert.ts';

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

  it('reads conversions as people type them: questions, courtesy, number words, an article as one', () => {
    const cases: [string, number, string][] = [
      ['how many feet are in 3 meters?', 9.84252, 'feet'],
      ['72 fahrenheit in celsius please', 22.2222, 'celsius'],
      ['I ran 10 km, how many miles is that?', 6.21371, 'miles'],
      ['how heavy is 5 pounds in kilograms', 2.26796, 'kilograms'],
      ['how fast is 100 km/h in m/s', 27.7778, 'm/s'],
      ['how many grams in an ounce', 28.3495, 'grams'],
      ['convert 1 light year to kilometers', 9.46073e12, 'kilometers'],
      ['convert ten miles to km', 16.0934, 'km'],
      ['what is 3 metres in feet', 9.84252, 'feet'],
      ['how many cups is 500 ml', 2.11338, 'cups'],
      ['a marathon is 42.195 km: how long is that in miles?', 26.2188, 'miles'],
      ['I weigh 150 lb, what is that in kg', 68.0389, 'kg'],
      ['100 knots in kilometers per hour', 185.2, 'kilometers/hour'],
      ['what is the temperature 25 C in F', 77, 'degF'],
      ['and in kilograms, how much is 20 pounds?', 9.07185, 'kilograms'],
    ];
    for (const [input, result, to] of cases) {
      const answer = convert(input);
      assert.ok(Math.abs(answer.result - result) / result < 1e-5, `${input}: ${answer.result}`);
      assert.equal(answer.to, to, input);
    }
  });

  it('refuses a sentence with two quantities rather than guessing which is meant', () => {
    assert.throws(() => convert('I ran 10 km in 50 minutes, how many miles is that'), ConversionRefused);
  });

  it('refuses spoons, whose size differs between metric and US measures', () => {
    assert.throws(() => convert('how many tablespoons in a cup'), /15 ml \(metric\) or 14.79 ml/);
  });

  it('converts structured arguments, refusing a value that is not finite', () => {
    assert.equal(convertQuantity(1, 'km', 'm').result, 1000);
    assert.throws(() => convertQuantity(Number.NaN, 'km', 'm'), ConversionRefused);
  });
});

