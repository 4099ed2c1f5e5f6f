// DKIMOutboundSigner: signs outbound mail with every DKIM key of the From: domain (RFC 6376, RFC 8463).
//
// Invariants:
// - Keys come from `DKIMKeyStore` (`<data_dir>/dkim/<domain>/<selector>.pem`, written by `mailroom dkim
//   generate`); a domain without keys sends unsigned mail. With an RSA and an Ed25519 key the message
//   carries both signatures (RFC 8463 §1 suggests dual signing while Ed25519 support spreads).
// - The body is hashed once per message from the stream, whatever the number of keys.
// - Keys are re-read at most every `cacheLifetime`, so a key added while the server runs is used soon
//   without a file read per message.

import DKIM
import Foundation
import Synchronization

public final class DKIMOutboundSigner: OutboundSigner {
    public static let cacheLifetime: TimeInterval = 60
    let keys: DKIMKeyStore
    private let cache = Mutex<[String: (loaded: Date, signers: [DKIMSigner])]>([:])

    public init(keys: DKIMKeyStore) {
        self.keys = keys
    }

    public func signatureFields(
        domain: String, headerSection: [UInt8], body: () -> AsyncThrowingStream<[UInt8], any Error>
    ) async throws -> [UInt8] {
        let signers = try signers(for: domain)
        guard !signers.isEmpty else { return [] }
        var hasher = DKIMBodyHasher()
        for try await chunk in body() { hasher.update(chunk) }
        let bodyHash = hasher.finalize()
        let now = Date()
        var fields: [UInt8] = []
        for signer in signers {
            fields += Array(try signer.signatureField(headerSection: headerSection, bodyHash: bodyHash, time: now).utf8)
        }
        return fields
    }

    func signers(for domain: String) throws -> [DKIMSigner] {
        let now = Date()
        if let hit = cache.withLock({ $0[domain] }), now.timeIntervalSince(hit.loaded) < Self.cacheLifetime {
            return hit.signers
        }
        let signers = try keys.signers(for: domain)
        cache.withLock { $0[domain] = (now, signers) }
        return signers
    }
}
