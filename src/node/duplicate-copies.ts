// Byte-identical copies between the duplicate-frame filter and the engine: which frames are remembered after a
// turn, and what a dropped copy tells the dissemination tree (the link it came by is pruned for its origin).
import { onTree } from '../core/engine/dissemination.js';
import type { MeshEngine } from '../core/engine/engine.js';
import type { Message } from '../core/messages/schemas.js';
import type { DuplicateFrameFilter } from '../net/duplicate-frames.js';

/** After a turn: the frames of the messages the engine now counts as seen, remembered with their tree origin. */
export function rememberHandled(
  frames: DuplicateFrameFilter,
  engine: MeshEngine,
  arrivedAs: (message: Message) => string | undefined,
  messages: readonly Message[],
): void {
  for (const message of messages) {
    if (!engine.hasSeen(message)) continue;
    const frame = arrivedAs(message);
    if (frame === undefined) continue;
    const origin = onTree(message.type) ? (message as { origin: string }).origin : undefined;
    frames.remember(frame, { type: message.type, ...(origin === undefined ? {} : { origin }) });
  }
}

/** True when `text` repeats a handled frame (drop it unparsed); a copy of a proposal or commit prunes its link. */
export function dropCopy(
  frames: DuplicateFrameFilter,
  engine: MeshEngine,
  text: string,
  peerId: string,
): boolean {
  const seen = frames.duplicateOf(text);
  if (seen === undefined) return false;
  if (seen.origin !== undefined) engine.duplicateFrom(peerId, seen.type, seen.origin);
  return true;
}
