// Close codes at the edges of a session: what a peer's close reason may claim, and ws framing faults as our codes.
// Pure lookups; the peer manager decides what to do with them.
import { ERROR_CODES, type ErrorCode } from '../../core/errors.js';

/** ws framing errors with a more specific code; every other framing fault is TM_ERR_FRAME_INVALID. */
const FRAMING_FAULTS: Readonly<Record<string, ErrorCode>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 'TM_ERR_FRAME_TOO_LARGE',
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 'TM_ERR_FRAME_TOO_LARGE',
  WS_ERR_INVALID_UTF8: 'TM_ERR_FRAME_NOT_JSON',
};

/**
 * The code a peer gives as its close reason, when it is one of ours. Anything else is ignored (it would become
 * a metrics label), and so is TM_ERR_SELF_CONNECTION: only this node can tell it dialled itself, and believing a
 * peer's word for it would retire the endpoint for good.
 */
export function claimedCode(reason: string): ErrorCode | null {
  if (!Object.hasOwn(ERROR_CODES, reason) || reason === 'TM_ERR_SELF_CONNECTION') return null;
  return reason as ErrorCode;
}

/** Our code for a socket error that is a peer breaking the WebSocket framing rules; null for any other error. */
export function framingFault(wsError: string | undefined): ErrorCode | null {
  if (wsError === undefined || !wsError.startsWith('WS_ERR_')) return null;
  return FRAMING_FAULTS[wsError] ?? 'TM_ERR_FRAME_INVALID';
}

/** Closes that are expected in normal operation and so are logged at debug, not as a problem. */
export function isRoutineClose(code: ErrorCode | null): boolean {
  return (
    code === 'TM_ERR_DUPLICATE_CONNECTION' ||
    code === 'TM_ERR_SELF_CONNECTION' ||
    code === 'TM_ERR_PEER_NOT_NEEDED'
  );
}
