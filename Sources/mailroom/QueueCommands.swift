// `mailroom queue list | show ID | retry [ID] | remove ID` (DESIGN §6.1): the outbound queue, also while
// `serve` runs (the runner picks up a retry within its poll interval; a removed message is not sent again).

import ArgumentParser
import Foundation
import MailStore

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Look at and act on outbound mail waiting for delivery.",
        subcommands: [List.self, Show.self, Retry.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One line per queued message: id, sender, recipients, attempts, next try, last error.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                let entries = try await ctx.store.queueEntries()
                if entries.isEmpty {
                    say("The outbound queue is empty.")
                    return
                }
                for (id, group) in QueueCommand.grouped(entries) {
                    let first = group[0]
                    let attempts = group.map(\.attempts).max() ?? 0
                    let next = group.map(\.nextAttempt).min() ?? first.nextAttempt
                    var line =
                        "\(id)  from <\(first.mailFrom)>  to \(group.map { "<\($0.address)>" }.joined(separator: ", "))"
                    line += "  attempts \(attempts)  next \(QueueCommand.format(next))"
                    if let error = group.compactMap(\.lastError).last { line += "  last error: \(error)" }
                    say(line)
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything about one queued message.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The queue id from `mailroom queue list`.") var id: Int64

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                let entries = try await ctx.store.queueEntries().filter { $0.message.rawValue == id }
                guard let message = try await ctx.store.queuedMessage(QueueMessageID(rawValue: id)),
                    let first = entries.first
                else { throw QueueCommand.noSuchMessage(id) }
                say("Queue id:   \(id)")
                say("Sender:     <\(message.mailFrom)>")
                say("Queued:     \(QueueCommand.format(first.createdAt))")
                say("Size:       \(message.blob.size - message.bodyOffset) bytes")
                if let envid = message.envid { say("ENVID:      \(envid)") }
                if let ret = message.ret { say("RET:        \(ret)") }
                if message.smtputf8 { say("SMTPUTF8:   yes") }
                for e in entries {
                    say(
                        "Recipient:  <\(e.address)>  attempts \(e.attempts)  next \(QueueCommand.format(e.nextAttempt))"
                    )
                    if let error = e.lastError { say("            last error: \(error)") }
                }
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Try now: one message, or every queued message.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The queue id; without it, the whole queue.") var id: Int64?

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                let count = try await ctx.store.retryQueue(message: id.map(QueueMessageID.init(rawValue:)))
                if let id, count == 0 { throw QueueCommand.noSuchMessage(id) }
                say("\(count) recipient\(count == 1 ? "" : "s") will be tried now.")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a queued message without delivering it or telling the sender.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The queue id from `mailroom queue list`.") var id: Int64

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                let count = try await ctx.store.removeQueuedMessage(QueueMessageID(rawValue: id))
                guard count > 0 else { throw QueueCommand.noSuchMessage(id) }
                say("Removed queued message \(id) (\(count) recipient\(count == 1 ? "" : "s")).")
            }
        }
    }

    static func grouped(_ entries: [QueueEntry]) -> [(Int64, [QueueEntry])] {
        var order: [Int64] = []
        var groups: [Int64: [QueueEntry]] = [:]
        for e in entries {
            if groups[e.message.rawValue] == nil { order.append(e.message.rawValue) }
            groups[e.message.rawValue, default: []].append(e)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }

    static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    struct NoSuchMessage: Error, CustomStringConvertible {
        let description: String
    }

    static func noSuchMessage(_ id: Int64) -> NoSuchMessage {
        NoSuchMessage(description: "There is no queued message \(id); `mailroom queue list` shows the queue.")
    }
}
