// DKIM "relaxed" canonicalization (RFC 6376 §3.4.2 header, §3.4.4 body) and the streaming body hasher.
//
// Invariants:
// - Works on bytes: header values and bodies may hold 8-bit data (RFC 6532), which passes through as is.
// - Line ends are CRLF; a bare LF also ends a line (it is what a CRLF became in a Unix file), and the
//   canonical output always uses CRLF. A CR not followed by LF is an ordinary byte.
// - `DKIMBodyHasher` gives the same digest however the body is cut into chunks: every piece of state
//   that can straddle a boundary (a CR waiting for its LF, a run of whitespace, empty lines that may turn
//   out to be trailing) is held in the hasher, not in the chunk.

import Crypto

/// RFC 5234 WSP.
@inline(__always) func isWSP(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

let cr: UInt8 = 0x0D
let lf: UInt8 = 0x0A
let space: UInt8 = 0x20
let crlf: [UInt8] = [cr, lf]

/// The relaxed header canonicalization (RFC 6376 §3.4.2).
public enum DKIMRelaxedHeader {
    /// One canonical field, "name:value" plus CRLF: the name lowercased, the value unfolded, each run of
    /// WSP made one SP, WSP at the start and end of the value and around the colon removed.
    public static func canonicalize(name: String, value: some Sequence<UInt8>) -> [UInt8] {
        canonicalizeWithoutCRLF(name: name, value: value) + crlf
    }

    /// The same without the final CRLF: the form the DKIM-Signature field itself is signed in (§3.7).
    public static func canonicalizeWithoutCRLF(name: String, value: some Sequence<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        // §3.4.2: "Convert all header field names ... to lowercase", WSP before the colon deleted.
        for b in name.utf8 where !isWSP(b) {
            out.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
        }
        out.append(UInt8(ascii: ":"))
        var pendingSpace = false
        var started = false
        for b in value {
            // §3.4.2: unfold (delete the CRLF of each continuation line; a bare LF counts as one).
            if b == cr || b == lf { continue }
            if isWSP(b) {
                pendingSpace = started  // WSP after the colon is deleted, later runs become one SP
                continue
            }
            if pendingSpace { out.append(space) }
            pendingSpace = false
            started = true
            out.append(b)
        }
        // Trailing WSP of the unfolded value is deleted: a pending space is simply dropped.
        return out
    }
}

/// The relaxed body canonicalization (RFC 6376 §3.4.4) as a byte-at-a-time state machine.
///
/// §3.4.4: WSP at the end of a line is ignored, other runs of WSP become one SP, empty lines at the end of
/// the body are ignored, a non-empty body that does not end in a line end gets a CRLF.
public struct DKIMRelaxedBody: Sendable {
    /// Empty lines seen since the last non-empty line; written only if a non-empty line follows.
    private var pendingEmptyLines = 0
    /// A run of WSP in the current line not yet written: one SP if more content follows in this line.
    private var pendingWhitespace = false
    /// A CR not yet known to be the start of a CRLF.
    private var pendingCR = false
    /// The current line has written content (so its end writes a CRLF rather than counting as empty).
    private var lineHasContent = false

    public init() {}

    /// Canonicalizes the next chunk, appending the canonical bytes it completes to `output`.
    public mutating func feed(_ chunk: some Sequence<UInt8>, into output: inout [UInt8]) {
        // Contiguous chunks (arrays, slices, Data) run the loop below over a concrete buffer type, so it is
        // specialized even when called from another module.
        let done: Void? = chunk.withContiguousStorageIfAvailable { buffer in
            feed(bytes: buffer, into: &output)
        }
        if done == nil {
            Array(chunk).withUnsafeBufferPointer { feed(bytes: $0, into: &output) }
        }
    }

    private mutating func feed(bytes chunk: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        for b in chunk {
            if pendingCR {
                pendingCR = false
                if b == lf {
                    endLine(&output)
                    continue
                }
                content(cr, &output)  // a CR alone is an ordinary byte
            }
            switch b {
            case cr: pendingCR = true
            case lf: endLine(&output)  // a bare LF ends the line too
            case space, 0x09: pendingWhitespace = true
            default: content(b, &output)
            }
        }
    }

    /// Ends the body, appending what is still owed: the CRLF of an unterminated last line. Pending empty
    /// lines and trailing WSP are dropped.
    public mutating func finish(into output: inout [UInt8]) {
        if pendingCR {
            pendingCR = false
            content(cr, &output)
        }
        if lineHasContent { output += crlf }
        lineHasContent = false
        pendingEmptyLines = 0
        pendingWhitespace = false
    }

    /// The canonical form of a whole body.
    public static func canonicalize(_ body: some Sequence<UInt8>) -> [UInt8] {
        var machine = DKIMRelaxedBody()
        var out: [UInt8] = []
        machine.feed(body, into: &out)
        machine.finish(into: &out)
        return out
    }

    @inline(__always)
    private mutating func content(_ b: UInt8, _ output: inout [UInt8]) {
        if !lineHasContent {
            // Empty lines followed by this one were not trailing after all.
            for _ in 0..<pendingEmptyLines { output += crlf }
            pendingEmptyLines = 0
            lineHasContent = true
        }
        if pendingWhitespace { output.append(space) }
        pendingWhitespace = false
        output.append(b)
    }

    private mutating func endLine(_ output: inout [UInt8]) {
        if lineHasContent {
            output += crlf
        } else {
            pendingEmptyLines += 1  // a line of only WSP is empty once its trailing WSP is gone
        }
        lineHasContent = false
        pendingWhitespace = false
    }
}

/// Streams a message body through the relaxed body canonicalization into SHA-256 (the bh= tag,
/// RFC 6376 §3.7).
///
/// Feed the body bytes (everything after the empty line that ends the header section) in any chunks,
/// then call `finalize()` once for the 32-byte digest. An empty body hashes as the empty string (§3.4.4).
/// Not Sendable (swift-crypto's SHA256 is not): use it within one task.
public struct DKIMBodyHasher {
    private var canonicalizer = DKIMRelaxedBody()
    private var hash = SHA256()
    private var output: [UInt8] = []
    private var finished = false

    public init() {}

    /// The number of canonical body octets hashed so far (what an l= tag would count).
    public private(set) var canonicalLength = 0

    /// Feeds the next chunk of body bytes.
    public mutating func update(_ chunk: some Sequence<UInt8>) {
        precondition(!finished, "DKIMBodyHasher.update after finalize")
        canonicalizer.feed(chunk, into: &output)
        flush()
    }

    private mutating func flush() {
        guard !output.isEmpty else { return }
        hash.update(data: output)
        canonicalLength += output.count
        output.removeAll(keepingCapacity: true)
    }

    /// Ends the body and returns the SHA-256 digest of its canonical form.
    public mutating func finalize() -> [UInt8] {
        precondition(!finished, "DKIMBodyHasher.finalize called twice")
        canonicalizer.finish(into: &output)
        flush()
        finished = true
        return Array(hash.finalize())
    }

    /// The digest of a whole body in one call.
    public static func hash(_ body: some Sequence<UInt8>) -> [UInt8] {
        var hasher = DKIMBodyHasher()
        hasher.update(body)
        return hasher.finalize()
    }
}
