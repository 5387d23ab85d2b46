// Byte encodings used on the wire: base64 for keys, signatures and nonces, lowercase hex for ids and digests.
// Decoders validate length and alphabet and return null instead of throwing, because their input is untrusted.

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX_RE = /^[0-9a-f]*$/;

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Decodes standard padded base64 of exactly `length` bytes; anything else is null. */
export function fromBase64(text: string, length: number): Uint8Array | null {
  if (typeof text !== 'string' || text.length !== Math.ceil(length / 3) * 4 || !BASE64_RE.test(text))
    return null;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length || bytes.toString('base64') !== text) return null;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function fromHex(text: string, length: number): Uint8Array | null {
  if (typeof text !== 'string' || text.length !== length * 2 || !HEX_RE.test(text)) return null;
  const bytes = Buffer.from(text, 'hex');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** Lowercase hex (an id or digest) as unpadded base64url: 43 characters for 32 bytes instead of 64. */
export function hexToBase64url(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url');
}

/** The inverse of hexToBase64url for exactly `length` bytes in its canonical form; anything else is null. */
export function base64urlToHex(text: string, length: number): string | null {
  if (typeof text !== 'string' || text.length !== Math.ceil((length * 4) / 3)) return null;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== length || bytes.toString('base64url') !== text) return null;
  return bytes.toString('hex');
}
