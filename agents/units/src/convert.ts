/**
 * The agent's domain: read "convert 5 km to miles" or "72 °F in celsius" and convert it.
 *
 * The units, their factors and offsets are mathjs's (its unit system, not a
 * table of ours); this module only finds the number and the two unit names in
 * a sentence as people type it ("how many feet are in 3 meters?", "I ran ten
 * km, how many miles is that?"; number words by words-to-numbers), and maps a
 * few everyday spellings mathjs does not know (°F, mph, metres) to the mathjs
 * names. It never evaluates the text as an expression.
 *
 * Errors: `ConversionRefused` (the input is the problem; the A2A layer
 * answers it as a `rejected` task, never as a failure).
 */
import { all, create, type FactoryFunctionMap } from 'mathjs';
import { wordsToNumbers } from 'words-to-numbers';

// mathjs types `all` as possibly undefined; it is the full function set it ships.
const math = create(all as FactoryFunctionMap, { number: 'number' });

/** The longest input read; conversions are one short sentence. */
export const MAX_INPUT_CHARS = 500;

/** The input cannot be converted: the reason says what to change. */
export class ConversionRefused extends Error {
  override readonly name = 'ConversionRefused';
}

/** A conversion done: the structured answer (the task's data part). */
export interface Conversion {
  value: number;
  from: string;
  result: number;
  to: string;
  /** The result as a person reads it, six significant digits. */
  text: string;
}

// Everyday spellings -> mathjs unit names. Bare "F"/"C" stay farad/coulomb in mathjs,
// so temperatures need the degree sign or the word.
const ALIASES: Readonly<Record<string, string>> = {
  '°f': 'degF',
  'ºf': 'degF',
  'degrees f': 'degF',
  'degrees fahrenheit': 'degF',
  'degree fahrenheit': 'degF',
  fahrenheit: 'degF',
  '°c': 'degC',
  'ºc': 'degC',
  'degrees c': 'degC',
  'degrees celsius': 'degC',
  'degree celsius': 'degC',
  celsius: 'degC',
  centigrade: 'degC',
  kelvin: 'K',
  pound: 'lbm',
  pounds: 'lbm',
  mph: 'mi/h',
  kph: 'km/h',
  kmh: 'km/h',
  'km/hr': 'km/h',
  'miles per hour': 'mi/h',
  'kilometers per hour': 'km/h',
  'kilometres per hour': 'km/h',
  horsepower: 'hp',
  pascal: 'Pa',
  pascals: 'Pa',
};

// A light year is defined (IAU 1976) as exactly 9 460 730 472 580 800 m; mathjs has no name for it.
math.createUnit('lightyear', { definition: '9460730472580800 m', aliases: ['lightyears', 'ly'] });
// The international knot is exactly one nautical mile (1852 m) per hour.
math.createUnit('knot', { definition: '1852 m/h', aliases: ['knots', 'kn', 'kt'] });

// British spellings mathjs does not know.
const BRITISH: Readonly<Record<string, string>> = { metre: 'meter', litre: 'liter' };

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?`;
const UNIT = String.raw`[^\s\d,?:;][^\d,?:;]*?`;
const END = String.raw`(?:\s+(?:is|are)\s+(?:that|it|this|there))?\s*$`;
// The shapes a conversion is asked in, most specific first; each gives [number, from, to]
// or [to, number, from] (`reversed`).
const SHAPES: readonly { pattern: RegExp; reversed: boolean }[] = [
  // "how many feet are in 3 meters", "how many grams in 1 ounce"
  {
    pattern: new RegExp(String.raw`how\s+many\s+(${UNIT})\s+(?:(?:are|is)\s+(?:there\s+)?)?in\s+(${NUMBER})\s*(${UNIT})\s*$`, 'i'),
    reversed: true,
  },
  // "how many cups is 500 ml", "how many days are 1000 hours"
  {
    pattern: new RegExp(String.raw`how\s+many\s+(${UNIT})\s+(?:is|are|makes?|make\s+up)\s+(${NUMBER})\s*(${UNIT})\s*$`, 'i'),
    reversed: true,
  },
  // "a marathon is 42.195 km: how long is that in miles", "I weigh 150 lb, what is that in kg"
  {
    pattern: new RegExp(String.raw`(?:^|\s)(${NUMBER})\s*(${UNIT})\s*[,:;]\s*(?:how\s+\w+|what)\s+(?:is|are)\s+(?:that|it|this)\s+in\s+(${UNIT})\s*$`, 'i'),
    reversed: false,
  },
  // "and in kilograms, how much is 20 pounds?" (a follow-up)
  {
    pattern: new RegExp(String.raw`(?:^|\s)in\s+(${UNIT})\s*,?\s*(?:how\s+much|what)\s+(?:is|are)\s+(${NUMBER})\s*(${UNIT})\s*$`, 'i'),
    reversed: true,
  },
  // "I ran 10 km, how many miles is that", "5 kg is how many pounds"
  {
    pattern: new RegExp(String.raw`(${NUMBER})\s*(${UNIT})\s*(?:,\s*|\s+is\s+|\s+are\s+)how\s+many\s+(${UNIT})${END}`, 'i'),
    reversed: false,
  },
  // "convert 5 km to miles", "72 fahrenheit in celsius", "how fast is 100 km/h in m/s"
  {
    pattern: new RegExp(String.raw`(?:^|\s)(${NUMBER})\s*(${UNIT})\s*,?\s+(?:to|in|into|as|in\s+terms\s+of)\s+(${UNIT})${END}`, 'i'),
    reversed: false,
  },
];
// Courtesy around the conversion, and "an ounce" as one ounce.
const TAIL = /[\s,]*(?:please|thanks|thank\s+you|pls)?[\s?.!]*$/i;
const ARTICLE = /\b(?:an?|one)\s+(?=[a-z°])/gi;
const PER = /\b([a-z]+)\s+per\s+([a-z]+)\b/gi;

/** The mathjs name of a unit as written (trimmed, case kept: "MB" is not "mb"). */
export function unitName(written: string): string {
  const trimmed = written.trim().replace(/\s+/g, ' ');
  const alias = ALIASES[trimmed.toLowerCase()];
  if (alias !== undefined) return alias;
  const british = /^(\w*?)(metre|litre)(s?)$/i.exec(trimmed);
  if (british !== null) return `${british[1]}${BRITISH[british[2]!.toLowerCase()]}${british[3]}`;
  return trimmed.replace(/^light\s*years?$/i, 'lightyear');
}

/** `input` as the shapes read it: number words as digits ("ten" -> 10, via
 * words-to-numbers), "an ounce" as "1 ounce", "x per y" as "x/y", courtesy dropped. */
export function normalized(input: string): string {
  const digits = String(wordsToNumbers(input) ?? input);
  return digits.replace(TAIL, '').replace(ARTICLE, '1 ').replace(PER, (_, a: string, b: string) => `${a}/${b}`);
}

// In everyday text "25 C in F" converts temperatures (to mathjs: coulombs and farads).
const TEMPERATURE_LETTERS: Readonly<Record<string, string>> = { C: 'degC', F: 'degF' };

function temperatures(request: { value: number; from: string; to: string }): { value: number; from: string; to: string } {
  const from = TEMPERATURE_LETTERS[request.from];
  const to = TEMPERATURE_LETTERS[request.to];
  return from !== undefined && to !== undefined ? { ...request, from, to } : request;
}

/** The number, source unit and target unit in `input`; refuses what it cannot read. */
export function parseRequest(input: string): { value: number; from: string; to: string } {
  const text = input.trim();
  if (text.length === 0) {
    throw new ConversionRefused('the input is empty; write e.g. "convert 5 km to miles"');
  }
  if (text.length > MAX_INPUT_CHARS) {
    throw new ConversionRefused(`the input is longer than ${MAX_INPUT_CHARS} characters`);
  }
  const plain = normalized(text);
  for (const { pattern, reversed } of SHAPES) {
    const match = pattern.exec(plain);
    if (match === null) continue;
    const [, first = '', second = '', third = ''] = match;
    const [rawValue, from, to] = reversed ? [second, third, first] : [first, second, third];
    const value = Number(rawValue);
    if (!Number.isFinite(value)) {
      throw new ConversionRefused(`${rawValue} is not a finite number`);
    }
    return temperatures({ value, from: from.trim(), to: to.trim() });
  }
  throw new ConversionRefused(
    'no conversion found; write a number, a unit and the target unit, e.g. "convert 5 km to miles"',
  );
}

/** Convert the quantity `input` names; `ConversionRefused` says why not. */
export function convert(input: string): Conversion {
  const { value, from, to } = parseRequest(input);
  return convertQuantity(value, from, to);
}

// Spoons are 15 and 5 ml to mathjs (metric) but 14.79 and 4.93 ml in US recipes, whose
// cups mathjs uses: "how many tablespoons in a cup" would be answered 15.77, not 16.
const AMBIGUOUS = /^(?:tablespoons?|teaspoons?|tbsp|tsp)$/i;

/** Convert `value` `from` one unit `to` another (the skill's structured arguments). */
export function convertQuantity(value: number, from: string, to: string): Conversion {
  if (!Number.isFinite(value)) {
    throw new ConversionRefused(`${value} is not a finite number`);
  }
  const ambiguous = [from, to].find((unit) => AMBIGUOUS.test(unit.trim()));
  if (ambiguous !== undefined) {
    throw new ConversionRefused(`${ambiguous} is 15 ml (metric) or 14.79 ml (US): say which in ml`);
  }
  let result: number;
  try {
    result = math.unit(value, unitName(from)).to(unitName(to)).toNumber();
  } catch (error) {
    // mathjs: 'Unit "foo" not found.' or "Units do not match ('kg' != '1 km')".
    const why = error instanceof Error ? error.message : String(error);
    throw new ConversionRefused(`cannot convert ${from} to ${to}: ${why}`);
  }
  if (!Number.isFinite(result)) {
    throw new ConversionRefused(`${value} ${from} in ${to} is not a finite number`);
  }
  const shown = math.format(result, { precision: 6 });
  return { value, from, result, to, text: `${math.format(value, { precision: 15 })} ${from} = ${shown} ${to}` };
}
