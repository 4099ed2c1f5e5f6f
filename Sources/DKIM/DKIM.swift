// DKIM signing for outbound mail (RFC 6376, RFC 8463 Ed25519, RFC 8301 key sizes).
//
// The pieces, bottom up:
// - Canonicalization.swift: relaxed header and body canonicalization; `DKIMBodyHasher` streams the body.
// - HeaderSection.swift: the header section as fields; splitting a message into header and body.
// - DKIMKey.swift: `DKIMPrivateKey` (RSA, Ed25519), PEM files, the DNS key record.
// - DKIMSigner.swift: the DKIM-Signature field (relaxed/relaxed, §5.4.1 fields, From oversigned).
// - DKIMKeyStore.swift: <data_dir>/dkim/<domain>/<selector>.pem; one signer per selector of a domain.
//
// Typical use by the outbound queue, once per message of a domain that has keys:
//     var hasher = DKIMBodyHasher(); for chunk in body { hasher.update(chunk) }
//     let bh = hasher.finalize()
//     let fields = try store.signers(for: domain).map {
//         try $0.signatureField(headerSection: header, bodyHash: bh, time: now) }
//     // prepend fields.joined() to the message
