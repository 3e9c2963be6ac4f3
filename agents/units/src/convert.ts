/**
 * The agent's domain: read "convert 5 km to miles" or "72 °F in celsius" and convert it.
 *
 * The units, their factors and offsets are mathjs's (its unit system, not a
 * table of ours); this module only finds the number and the two unit names in
 * a sentence, and maps a few everyday spellings mathjs does not know (°F, mph)
 * to the mathjs names. It never evaluates the text as an expression.
 *
 * Errors: `ConversionRefused` (the input is the problem; the A2A layer
 * answers it as a `rejected` task, never as a failure).
 */
import { all, create, type FactoryFunctionMap } from 'mathjs';

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
};

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:e[-+]?\d+)?`;
const UNIT = String.raw`[^\s\d].*?`;
const SENTENCE = new RegExp(
  String.raw`^(?:(?:please\s+)?(?:convert|how\s+many\s+\S+(?:\s+\S+)?\s+(?:is|are|in)|what\s+is)\s+)?` +
    String.raw`(${NUMBER})\s*(${UNIT})\s+(?:to|in|into|as)\s+(${UNIT})\s*[?.!]?$`,
  'i',
);

/** The mathjs name of a unit as written (trimmed, case kept: "MB" is not "mb"). */
export function unitName(written: string): string {
  const trimmed = written.trim().replace(/\s+/g, ' ');
  return ALIASES[trimmed.toLowerCase()] ?? trimmed;
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
  const match = SENTENCE.exec(text);
  if (match === null) {
    throw new ConversionRefused(
      'no conversion found; write a number, a unit and the target unit, e.g. "convert 5 km to miles"',
    );
  }
  const [, rawValue = '', from = '', to = ''] = match;
  const value = Number(rawValue);
  if (!Number.isFinite(value)) {
    throw new ConversionRefused(`${rawValue} is not a finite number`);
  }
  return { value, from: from.trim(), to: to.trim() };
}

/** Convert the quantity `input` names; `ConversionRefused` says why not. */
export function convert(input: string): Conversion {
  const { value, from, to } = parseRequest(input);
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
