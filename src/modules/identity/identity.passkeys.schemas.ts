import { Type } from 'typebox';
import { passkeyLimits } from './identity.passkeys.models.js';
import { sessionResponse } from './identity.sessions.schemas.js';

/**
 * The WebAuthn JSON that travels between browser and server (WebAuthn Level 3 `toJSON()` shapes, which
 * @simplewebauthn/browser produces too). Binary fields are base64url; every length is bounded.
 * @NOTE The credential objects accept properties they do not name: browsers add fields over time, and none
 * is read unless named here. Writ's own envelopes (`name`, `response`) accept nothing else.
 */
function base64url({ minLength = 0, maxLength }: { minLength?: number; maxLength: number }) {
  return Type.String({ pattern: '^[A-Za-z0-9_-]*$', minLength, maxLength });
}

/** A credential id is at most 1023 bytes (WebAuthn §5.8.3): 1364 base64url characters. */
const credentialId = base64url({ minLength: 1, maxLength: 1364 });
const clientDataJson = base64url({ minLength: 1, maxLength: 8192 });
const transports = Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 });
const clientExtensionResults = Type.Object({});
const authenticatorAttachment = Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]);

export const registrationResponseJson = Type.Object({
  id: credentialId,
  rawId: credentialId,
  type: Type.Literal('public-key'),
  authenticatorAttachment: Type.Optional(authenticatorAttachment),
  clientExtensionResults,
  response: Type.Object({
    clientDataJSON: clientDataJson,
    attestationObject: base64url({ minLength: 1, maxLength: 65_536 }),
    authenticatorData: Type.Optional(base64url({ maxLength: 65_536 })),
    transports: Type.Optional(transports),
    publicKeyAlgorithm: Type.Optional(Type.Integer()),
    publicKey: Type.Optional(base64url({ maxLength: 8192 })),
  }),
});

export const authenticationResponseJson = Type.Object({
  id: credentialId,
  rawId: credentialId,
  type: Type.Literal('public-key'),
  authenticatorAttachment: Type.Optional(authenticatorAttachment),
  clientExtensionResults,
  response: Type.Object({
    clientDataJSON: clientDataJson,
    authenticatorData: base64url({ minLength: 50, maxLength: 8192 }),
    signature: base64url({ minLength: 1, maxLength: 2048 }),
    // A user handle is at most 64 bytes; `toJSON()` leaves it out when the authenticator returned none.
    userHandle: Type.Optional(base64url({ maxLength: 86 })),
  }),
});

const credentialDescriptor = Type.Object({
  id: Type.String(),
  type: Type.String(),
  transports: Type.Optional(Type.Array(Type.String())),
});

/**
 * `PublicKeyCredentialCreationOptionsJSON`, for `PublicKeyCredential.parseCreationOptionsFromJSON()` or
 * @simplewebauthn/browser. Optional where WebAuthn makes a member optional; Writ always sends all of them.
 */
export const passkeyCreationOptions = Type.Object({
  challenge: Type.String(),
  rp: Type.Object({ name: Type.String(), id: Type.Optional(Type.String()) }),
  user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
  pubKeyCredParams: Type.Array(Type.Object({ alg: Type.Integer(), type: Type.String() })),
  timeout: Type.Optional(Type.Integer()),
  attestation: Type.Optional(Type.String()),
  excludeCredentials: Type.Optional(Type.Array(credentialDescriptor)),
  authenticatorSelection: Type.Optional(
    Type.Object({
      authenticatorAttachment: Type.Optional(Type.String()),
      residentKey: Type.Optional(Type.String()),
      requireResidentKey: Type.Optional(Type.Boolean()),
      userVerification: Type.Optional(Type.String()),
    }),
  ),
  extensions: Type.Optional(Type.Object({ credProps: Type.Optional(Type.Boolean()) })),
  hints: Type.Optional(Type.Array(Type.String())),
});

/** `PublicKeyCredentialRequestOptionsJSON`, for `PublicKeyCredential.parseRequestOptionsFromJSON()`. */
export const passkeyRequestOptions = Type.Object({
  challenge: Type.String(),
  rpId: Type.Optional(Type.String()),
  timeout: Type.Optional(Type.Integer()),
  userVerification: Type.Optional(Type.String()),
  allowCredentials: Type.Optional(Type.Array(credentialDescriptor)),
  hints: Type.Optional(Type.Array(Type.String())),
});

export const passkeyCreationOptionsResponse = Type.Object({ options: passkeyCreationOptions });
export const passkeyRequestOptionsResponse = Type.Object({ options: passkeyRequestOptions });

const passkeyName = Type.String({ minLength: 1, maxLength: passkeyLimits.nameMaxLength * 4 });

export const registerPasskeyBody = Type.Object(
  { name: passkeyName, response: registrationResponseJson },
  { additionalProperties: false },
);

export const renamePasskeyBody = Type.Object({ name: passkeyName }, { additionalProperties: false });

export const passkeyIdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const passkeyAssertionBody = Type.Object(
  { response: authenticationResponseJson },
  { additionalProperties: false },
);

export const passkeyResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  deviceType: Type.Union([Type.Literal('singleDevice'), Type.Literal('multiDevice')]),
  isBackedUp: Type.Boolean(),
});

export const passkeyListResponse = Type.Object({ passkeys: Type.Array(passkeyResponse) });
export const renamePasskeyResponse = Type.Object({ passkey: passkeyResponse });

export const registerPasskeyResponse = Type.Object({
  passkey: passkeyResponse,
  /** Ten single-use codes, shown once, when this passkey is the user's first second factor. */
  recoveryCodes: Type.Optional(Type.Array(Type.String())),
  session: sessionResponse,
});
