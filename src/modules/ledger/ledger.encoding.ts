/**
 * Strict decoding for the text formats of signed notes and checkpoints.
 * @NOTE Node's own decoders are lenient (base64 skips stray characters, accepts missing padding and the URL
 * alphabet; UTF-8 decoding substitutes U+FFFD). Two spellings of the same bytes would let a signed note be
 * rewritten without breaking its signature lines, so only the one canonical spelling is accepted here.
 */

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 (RFC 4648 §4) with padding and zero trailing bits, or undefined. */
export function decodeBase64Strictly(text: string): Buffer | undefined {
  if (!base64Pattern.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of valid UTF-8 bytes, byte for byte (a leading BOM is kept), or undefined. */
export function decodeUtf8Strictly(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

// A lone surrogate cannot be encoded as UTF-8: Buffer.from would silently replace it.
const loneSurrogate = /\p{Cs}/u;

/** True when the string is representable as UTF-8 and has no ASCII control character but newline. */
export function isNoteSafeText(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && code !== 0x0a) return false;
  }
  return !loneSurrogate.test(text);
}
