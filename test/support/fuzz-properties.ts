// The fuzz properties over the frame decoder, every schema and every engine handler, sized by the caller.
// The test suite runs them at CI size; bench/fuzz.ts runs them longer. Each returns how many frames it fed in.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/core/errors.js';
import { decodeFrame, decodeValue } from '../../src/core/messages/decode.js';
import { schemaViolation } from '../../src/core/messages/registry.js';
import { MESSAGE_SCHEMAS, type Message, type MessageType } from '../../src/core/messages/schemas.js';
import type { Outcome } from '../../src/core/outcome.js';
import { canonicalJson, messageSigningBytes, type SignedMessage } from '../../src/core/signing.js';
import { editText, handlerMutation, mutate, mutation, oddValue, textEdit } from './fuzz-mutations.js';
import { resign, resignChoice } from './fuzz-resign.js';
import { createFuzzWorld, engineSnapshot, type FuzzWorld } from './fuzz-samples.js';

export const MAX_FRAME_BYTES = 64 * 1024;

/** Frames each fuzz test file generates per CI run: at least 100,000 in all (issue #15). */
export const CI_FRAMES = { decoder: 52_000, schemas: 27_600, handlers: 18_000, signed: 4_000 } as const;
/** A refusal's detail goes to logs and metrics: it may quote the input, but only this much of it. */
export const MAX_DETAIL_CHARS = 200;

export const MESSAGE_TYPES = Object.keys(MESSAGE_SCHEMAS) as MessageType[];
const SIGNED_TYPES = new Set<MessageType>([
  'TRUST_UPDATE',
  'VOTE',
  'COMMIT',
  'REVOCATION',
  'KEY_ROTATION',
  'SECURITY_ALERT',
  'BLACKLIST',
  'PEER_ANNOUNCE',
]);

export interface FuzzOptions {
  readonly runs: number;
  readonly seed?: number;
}

/** Outcome counts by `kind:code`, for reports and to show the fuzzer reached past the first check. */
export type Tally = Map<string, number>;

function count(tally: Tally, outcome: Outcome<unknown>): void {
  const key = outcome.kind === 'accept' ? 'accept' : `${outcome.kind}:${outcome.code}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

/** What every outcome must look like, whatever the input. */
export function checkOutcome(outcome: Outcome<unknown>): void {
  assert.ok(outcome.kind === 'accept' || outcome.kind === 'ignore' || outcome.kind === 'reject');
  if (outcome.kind === 'accept') return;
  assert.ok(Object.hasOwn(ERROR_CODES, outcome.code), outcome.code);
  if (outcome.detail !== undefined) assert.ok(outcome.detail.length <= MAX_DETAIL_CHARS, outcome.detail);
}

/** A decoded message is fit for every later step: it revalidates, serialises, and has signing bytes. */
export function checkDecoded(message: Message): void {
  assert.equal(schemaViolation(message.type, message), null);
  const text = JSON.stringify(message);
  assert.equal(decodeFrame(text, Number.MAX_SAFE_INTEGER).kind, 'accept');
  canonicalJson(message);
  if (SIGNED_TYPES.has(message.type)) messageSigningBytes('test-net', message as SignedMessage);
}

function decodeChecked(text: string, tally: Tally): Outcome<Message> {
  const outcome = decodeFrame(text, MAX_FRAME_BYTES);
  checkOutcome(outcome);
  if (outcome.kind === 'accept') checkDecoded(outcome.value);
  count(tally, outcome);
  return outcome;
}

const sampleOf = (world: FuzzWorld) =>
  fc.noShrink(
    fc.constantFrom(...MESSAGE_TYPES).chain((type) => fc.constantFrom(...world.samples.get(type)!)),
  );

/** Arbitrary text, arbitrary JSON, objects of a known type with arbitrary fields, and edited valid frames. */
export function fuzzDecoder(world: FuzzWorld, options: FuzzOptions, tally: Tally = new Map()): number {
  const quarter = Math.ceil(options.runs / 8);
  let fed = 0;
  const settings = (runs: number) => ({
    numRuns: runs,
    includeErrorInReport: true,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string(), fc.json()), (text) => {
      fed++;
      decodeChecked(text, tally);
    }),
    settings(quarter),
  );
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      fed++;
      decodeChecked(JSON.stringify(value) ?? 'null', tally);
    }),
    settings(quarter),
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...MESSAGE_TYPES),
      fc.dictionary(fc.string({ maxLength: 12 }), oddValue, { maxKeys: 12 }),
      (type, fields) => {
        fed++;
        decodeChecked(JSON.stringify({ ...fields, type, version: '1.0' }), tally);
      },
    ),
    settings(quarter),
  );
  const edited = options.runs - 3 * quarter;
  fc.assert(
    fc.property(
      sampleOf(world),
      fc.array(mutation, { maxLength: 3 }),
      fc.array(textEdit, { maxLength: 2 }),
      (sample, mutations, edits) => {
        fed++;
        let text = JSON.stringify(mutate(sample, mutations)) ?? '';
        for (const edit of edits) text = editText(text, edit);
        decodeChecked(text, tally);
      },
    ),
    settings(edited),
  );
  return fed;
}

/** Each schema on its own: mutated samples never make the validator throw, and it agrees with decodeValue. */
export function fuzzSchemas(world: FuzzWorld, options: FuzzOptions, tally: Tally = new Map()): number {
  const perType = Math.floor(options.runs / MESSAGE_TYPES.length);
  const extra = options.runs % MESSAGE_TYPES.length;
  let fed = 0;
  for (const [index, type] of MESSAGE_TYPES.entries()) {
    const runs = perType + (index < extra ? 1 : 0);
    if (runs === 0) continue;
    fc.assert(
      fc.property(
        fc.constantFrom(...world.samples.get(type)!),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (sample, mutations) => {
          fed++;
          const value = mutate(sample, mutations);
          const violation = schemaViolation(type, value);
          assert.ok(violation === null || typeof violation === 'string');
          const decoded = decodeValue(value);
          checkOutcome(decoded);
          count(tally, decoded);
          const sameType = (value as { type?: unknown } | null)?.type === type;
          // The decoder adds only the type, version and nesting checks in front of the schema.
          if (decoded.kind === 'accept') {
            // A mutation may turn the value into a valid message of another type (a borrowed evidence item).
            if (sameType) assert.equal(violation, null);
            checkDecoded(decoded.value);
          } else if (violation === null && sameType) {
            assert.match(decoded.code, /TM_ERR_(VERSION_UNSUPPORTED|SCHEMA_INVALID)/);
          }
        },
      ),
      {
        numRuns: runs,
        includeErrorInReport: true,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
      },
    );
  }
  return fed;
}

/**
 * One message into the receiving engine. It must not throw. Unless accepted, nothing the engine keeps may
 * change (ledger, state hash, registry, announces, proposals) and nothing may be forwarded — with one
 * exception: a message that proves its signer's misbehaviour (`allowEvidence`) may make the receiver sign,
 * store and broadcast a BLACKLIST of that signer, which changes no trust record. The receiver's own VOTE on a
 * proposal it judged is an answer, not a forward: with no way back to the proposer (the fuzzed senders are not
 * connected) it goes to every neighbour.
 */
export function handleChecked(
  world: FuzzWorld,
  from: string,
  message: Message,
  tally: Tally,
  allowEvidence: boolean,
): Outcome<unknown> {
  const { receiver } = world;
  const before = engineSnapshot(world);
  const stateHash = receiver.ledger.stateHash();
  const size = receiver.ledger.size();
  const broadcasts = receiver.output.broadcasts.length;
  const outcome = receiver.engine.handle(from, message);
  checkOutcome(outcome);
  count(tally, outcome);
  if (outcome.kind !== 'accept') {
    const sent = receiver.output.broadcasts
      .slice(broadcasts)
      .map((record) => record.message)
      .filter((sent) => !(sent.type === 'VOTE' && sent.origin === receiver.engine.nodeId));
    if (sent.length === 0) {
      assert.equal(
        engineSnapshot(world),
        before,
        `${message.type} ${outcome.kind}:${outcome.code} changed state`,
      );
    } else {
      assert.ok(
        allowEvidence,
        `${message.type} ${outcome.kind}:${outcome.code} was not accepted yet broadcast`,
      );
      for (const event of sent) {
        assert.ok(event.type === 'BLACKLIST' && event.origin === receiver.engine.nodeId, event.type);
      }
      assert.equal(receiver.ledger.size(), size + sent.length);
      assert.equal(receiver.ledger.stateHash(), stateHash);
    }
  }
  // Keep the receiver's outbox from growing without bound over a long run.
  receiver.output.drain();
  return outcome;
}

const senderOf = (world: FuzzWorld) => fc.constantFrom(...world.knownIds.slice(1));

/**
 * Runs that share one receiving engine before it is replaced by a fresh one: accepted messages (and the
 * blacklistings bad signed ones earn) pile up, and a receiver that has blacklisted every member refuses
 * everything at its first check. Samples are deterministic, so they stay valid for every fresh world.
 */
const RUNS_PER_WORLD = 250;

function worlds(first: FuzzWorld): () => FuzzWorld {
  let world = first;
  let runs = 0;
  return () => {
    if (++runs % RUNS_PER_WORLD === 0) world = createFuzzWorld();
    return world;
  };
}

/** Mutated valid frames of every type, decoded as the shell would, then handed to the engine. */
export function fuzzHandlers(world: FuzzWorld, options: FuzzOptions, tally: Tally = new Map()): number {
  const current = worlds(world);
  let fed = 0;
  fc.assert(
    fc.property(
      sampleOf(world),
      fc.array(handlerMutation, { maxLength: 3 }),
      senderOf(world),
      (sample, mutations, from) => {
        fed++;
        const decoded = decodeValue(mutate(sample, mutations));
        checkOutcome(decoded);
        if (decoded.kind !== 'accept') return;
        // An attacker without members' keys: nothing it changes in a signed message can prove misbehaviour.
        handleChecked(current(), from, decoded.value, tally, mutations.length === 0);
      },
    ),
    {
      numRuns: options.runs,
      includeErrorInReport: true,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    },
  );
  return fed;
}

/**
 * Semantically bad but validly signed messages: a signed sample is mutated and signed again by a member, an
 * outsider, or for another network, so every check after the signature is reached.
 */
export function fuzzSignedHandlers(world: FuzzWorld, options: FuzzOptions, tally: Tally = new Map()): number {
  const signed = MESSAGE_TYPES.filter((type) => SIGNED_TYPES.has(type));
  const current = worlds(world);
  let fed = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...signed).chain((type) => fc.constantFrom(...world.samples.get(type)!)),
      fc.array(handlerMutation, { maxLength: 2 }),
      resignChoice,
      senderOf(world),
      (sample, mutations, choice, from) => {
        fed++;
        const mutated = mutate(sample, mutations);
        const first = decodeValue(mutated);
        if (first.kind !== 'accept' || !SIGNED_TYPES.has(first.value.type)) return;
        const target = current();
        const decoded = decodeValue(resign(target, first.value as SignedMessage, choice));
        checkOutcome(decoded);
        if (decoded.kind !== 'accept') return;
        handleChecked(target, from, decoded.value, tally, true);
      },
    ),
    {
      numRuns: options.runs,
      includeErrorInReport: true,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    },
  );
  return fed;
}

export { createFuzzWorld };
