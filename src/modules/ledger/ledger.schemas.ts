import { Type } from 'typebox';

/** Query values stay strings: the handler parses them strictly so that every bad value gets one error code. */
const countText = Type.String({ maxLength: 20 });

export const inclusionProofQuery = Type.Object(
  { index: countText, size: countText },
  { additionalProperties: false },
);

export const consistencyProofQuery = Type.Object(
  { from: countText, to: countText },
  { additionalProperties: false },
);

export const inclusionProofResponse = Type.Object({
  index: Type.Integer(),
  size: Type.Integer(),
  /** base64 of each 32-byte hash, leaf to root (RFC 9162 §2.1.3). */
  proof: Type.Array(Type.String()),
});

export const consistencyProofResponse = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  proof: Type.Array(Type.String()),
});

export const tileParams = Type.Object({ '*': Type.String({ maxLength: 64 }) });

export const binaryResponse = Type.String({ description: 'application/octet-stream' });
export const noteResponse = Type.String({ description: 'text/plain; a signed note' });

export const cosignatureResponse = Type.Object({
  checkpointSize: Type.Integer(),
  /** Names of the witnesses whose cosignatures verified (already stored ones included). */
  accepted: Type.Array(Type.String()),
});

export const receiptParams = Type.Object(
  { entryId: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const receiptResponse = Type.Object({
  type: Type.Literal('writ-receipt/v1'),
  /** The entry as logged: canonical JSON text. */
  event: Type.String(),
  /** Compact JWS (EdDSA) whose payload is the entry bytes. */
  jws: Type.String(),
  /** c2sp.org/tlog-proof@v1 text: index, inclusion proof, signed checkpoint. */
  proof: Type.String(),
});

export const receiptPendingResponse = Type.Object({
  status: Type.Literal('pending'),
  retryAfterSeconds: Type.Integer(),
});
