/// The type of a metric family, as written on its `# TYPE` line.
public enum MetricType: String, Sendable, Hashable, CaseIterable {
    /// A monotonically increasing count; the family name ends in `_total` by convention.
    case counter
    /// A value that can go up and down.
    case gauge
    /// Cumulative buckets (`_bucket{le="…"}`), `_sum` and `_count`.
    case histogram
}

/// Writes the Prometheus text exposition format 0.0.4 or OpenMetrics 1.0.0 into a reusable byte buffer.
///
/// The output is exactly what the caller writes, in the caller's order, so it is deterministic and
/// cheap to compare against golden text. Cost is linear in the output size. Sample values are spelled as
/// client_golang spells them (``PrometheusNumber/exposition(_:)``): `1`, `0.25`, `1.735787045e+09`,
/// `+Inf`, `-Inf`, `NaN`. Histogram bounds use the OpenMetrics canonical form in both formats
/// (``PrometheusNumber/canonical(_:)``: `le="0.005"`, `le="1.0"`, `le="+Inf"`), so a bucket is the same series
/// whichever format a scrape negotiates.
///
/// The two formats differ only as OpenMetrics requires (OpenMetrics 1.0, "Text Format"):
/// - a counter family's `# HELP`/`# TYPE`/`# UNIT` lines name it without `_total`, its samples keep `_total`;
/// - a family whose (metadata) name ends in `_seconds` or `_bytes` gets a `# UNIT` line with that unit;
/// - `"` in HELP text is escaped as `\"`;
/// - histogram bucket counts and `_count` are plain integers;
/// - ``finish()`` ends the exposition with `# EOF`.
/// `_created` samples are written only in OpenMetrics, and only when asked for (``created(_:labels:timestamp:)``).
///
/// Usage: open a family with ``family(_:type:help:)``, then write its samples with
/// ``sample(_:labels:value:)`` (counter, gauge) or ``histogram(_:labels:buckets:sum:count:)``, and call
/// ``finish()`` at the end. Every check throws ``ExpositionError`` and leaves the buffer untouched; nothing traps.
/// The writer does not detect two series with the same label set in one family: build label sets from unique keys.
///
/// ```swift
/// var writer = ExpositionWriter()
/// try writer.family("dataworks_up", type: .gauge, help: "Whether the last collection succeeded.")
/// try writer.sample("dataworks_up", value: 1)
/// let body = writer.bytes   // "# HELP dataworks_up …\n# TYPE dataworks_up gauge\ndataworks_up 1\n"
/// ```
public struct ExpositionWriter: Sendable {
    /// The HTTP `Content-Type` of the text format 0.0.4 (``ExpositionFormat/text``).
    public static let contentType = ExpositionFormat.text.contentType

    /// The exposition written so far, UTF-8; for a writer made with ``init(format:capacity:pieceSize:)``, what was written
    /// since the last piece was cut (``pieces``).
    public private(set) var bytes: [UInt8]
    /// The format being written.
    public let format: ExpositionFormat
    /// Whether ``finish()`` was called; afterwards every write throws.
    public private(set) var isFinished = false

    private var openFamily: String?
    private var openType: MetricType = .gauge
    private var familyNames: Set<String> = []
    /// The pieces cut off ``bytes`` so far; empty unless the writer cuts pieces.
    private var cutPieces: [[UInt8]] = []
    /// ``bytes`` is cut into a piece before a line when it holds at least this many bytes.
    private var pieceSize = Int.max

    /// Creates an empty writer.
    ///
    /// - Parameters:
    ///   - format: The format to write; text 0.0.4 by default.
    ///   - capacity: Bytes to reserve up front (for example the previous exposition's size).
    public init(format: ExpositionFormat = .text, capacity: Int = 0) {
        self.format = format
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Creates an empty writer that hands its exposition over in pieces of about `pieceSize` bytes (``pieces``),
    /// each ending with a whole line, so that a large exposition is never one buffer that grows by copying itself.
    ///
    /// - Parameters:
    ///   - format: The format to write; text 0.0.4 by default.
    ///   - capacity: Bytes to reserve for the first piece (for example an estimate of the whole exposition); at most
    ///     a piece and a margin (``pieceMargin``) are reserved.
    ///   - pieceSize: The size in bytes at which a piece is cut, at least 1; a piece is this long plus at most the
    ///     lines of one sample or family header. Each piece after the first reserves `pieceSize` and the margin.
    public init(format: ExpositionFormat = .text, capacity: Int = 0, pieceSize: Int) {
        self.format = format
        self.pieceSize = max(1, pieceSize)
        bytes = []
        bytes.reserveCapacity(min(capacity, self.pieceSize + Self.pieceMargin))
    }

    /// Bytes reserved beyond ``init(format:capacity:pieceSize:)``'s `pieceSize` for the lines that end a piece
    /// (one sample or family header, a few hundred bytes unless label values are long): 64 KiB.
    public static let pieceMargin = 65_536

    /// The exposition in the pieces it was cut into (``init(format:capacity:pieceSize:)``), in order, the bytes written since
    /// the last cut included when not empty; joined, they are the exposition. One piece for a writer that cuts none.
    public var pieces: [[UInt8]] {
        bytes.isEmpty && !cutPieces.isEmpty ? cutPieces : cutPieces + [bytes]
    }

    /// Creates an empty writer that reuses a buffer's storage.
    ///
    /// - Parameters:
    ///   - buffer: A buffer whose contents are discarded but whose capacity is kept.
    ///   - format: The format to write; text 0.0.4 by default.
    public init(reusing buffer: [UInt8], format: ExpositionFormat = .text) {
        self.format = format
        bytes = buffer
        bytes.removeAll(keepingCapacity: true)
    }

    /// The unit OpenMetrics announces for a family name: `seconds` or `bytes` when the name ends in `_seconds` or
    /// `_bytes`, otherwise none.
    ///
    /// - Parameter name: The family name as written on its metadata lines (counters without `_total`).
    /// - Returns: The unit, or `nil`.
    public static func unit(of name: String) -> String? {
        for unit in ["seconds", "bytes"] where name.hasSuffix("_" + unit) {
            return unit
        }
        return nil
    }

    /// Ends the exposition: OpenMetrics appends `# EOF`; the text format has no terminator. Idempotent.
    public mutating func finish() {
        guard !isFinished else { return }
        isFinished = true
        openFamily = nil
        if format.isOpenMetrics {
            bytes.append(contentsOf: "# EOF\n".utf8)
        }
    }

    /// The exposition written so far as a string.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Discards everything written, keeping the buffer's capacity, so the writer can render again.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        cutPieces.removeAll()
        openFamily = nil
        isFinished = false
        familyNames.removeAll(keepingCapacity: true)
    }

    /// Starts a metric family: writes `# HELP name help` and `# TYPE name type`, and in OpenMetrics
    /// `# UNIT name unit` for `_seconds` and `_bytes` families (``unit(of:)``).
    ///
    /// - Parameters:
    ///   - name: The family name, matching `[a-zA-Z_:][a-zA-Z0-9_:]*` (counters include `_total`, which
    ///     OpenMetrics metadata lines leave out; histograms are named without `_bucket`, `_sum` or `_count`).
    ///   - type: The family's type.
    ///   - help: Non-empty documentation; `\` and newline are escaped, and in OpenMetrics `"` too.
    /// - Throws: ``ExpositionError`` with code `invalidMetricName` (also for a counter whose name does not end in
    ///   `_total`), `missingHelp`, `duplicateFamily`, or `finished` after ``finish()``.
    public mutating func family(_ name: String, type: MetricType, help: String) throws(ExpositionError) {
        try checkNotFinished(name)
        try Self.validateMetricName(name)
        if type == .counter, !name.hasSuffix("_total") || name == "_total" {
            throw ExpositionError(
                code: .invalidMetricName,
                subject: name,
                message: "counter \(name) must be named with the suffix _total"
            )
        }
        if help.isEmpty {
            throw ExpositionError(code: .missingHelp, subject: name, message: "metric \(name) has an empty HELP text")
        }
        if familyNames.contains(name) {
            throw ExpositionError(
                code: .duplicateFamily,
                subject: name,
                message: "metric family \(name) was already written in this exposition"
            )
        }
        familyNames.insert(name)
        openFamily = name
        openType = type
        cutPieceIfFull()

        let openMetrics = format.isOpenMetrics
        let metadataName = openMetrics && type == .counter ? String(name.dropLast("_total".count)) : name
        bytes.append(contentsOf: "# HELP ".utf8)
        bytes.append(contentsOf: metadataName.utf8)
        bytes.append(UInt8(ascii: " "))
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\n"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\"") where openMetrics:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            default:
                bytes.append(byte)
            }
        }
        bytes.append(contentsOf: "\n# TYPE ".utf8)
        bytes.append(contentsOf: metadataName.utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: type.rawValue.utf8)
        bytes.append(UInt8(ascii: "\n"))
        if openMetrics, let unit = Self.unit(of: metadataName) {
            bytes.append(contentsOf: "# UNIT ".utf8)
            bytes.append(contentsOf: metadataName.utf8)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: unit.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
    }

    /// Writes one counter or gauge sample: `name{labels} value`.
    ///
    /// - Parameters:
    ///   - name: The name of the open family.
    ///   - labels: The series' labels, written in their order; braces are omitted when empty.
    ///   - value: The value; any `Double`, including infinities and NaN.
    /// - Throws: ``ExpositionError`` with code `sampleOutsideFamily` if `name` is not the open family, or
    ///   `typeMismatch` if the open family is a histogram.
    public mutating func sample(_ name: String, labels: Labels = .empty, value: Double) throws(ExpositionError) {
        try checkOpen(name, histogram: false)
        cutPieceIfFull()
        bytes.append(contentsOf: name.utf8)
        if !labels.rendered.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(contentsOf: labels.rendered)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        PrometheusNumber.appendExposition(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Writes the OpenMetrics `_created` sample of a counter or histogram series of the open family: when the series
    /// first appeared, in seconds since the Unix epoch. The text format 0.0.4 has none: nothing is written there.
    ///
    /// - Parameters:
    ///   - name: The name of the open family (a counter's with `_total`, a histogram's without suffix).
    ///   - labels: The series' labels.
    ///   - timestamp: The creation time, in seconds since the Unix epoch.
    /// - Throws: ``ExpositionError`` with code `sampleOutsideFamily`, or `typeMismatch` for a gauge family.
    public mutating func created(_ name: String, labels: Labels = .empty, timestamp: Double) throws(ExpositionError) {
        try checkOpen(name, histogram: openType == .histogram)
        guard openType != .gauge else {
            throw ExpositionError(
                code: .typeMismatch,
                subject: name,
                message: "_created written into \(name), a gauge family"
            )
        }
        guard format.isOpenMetrics else { return }
        let base = openType == .counter && name.hasSuffix("_total") ? String(name.dropLast(6)) : name
        appendSuffixed(base, suffix: "_created", labels: labels)
        PrometheusNumber.appendExposition(timestamp, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Writes one counter or gauge sample with labels given as pairs.
    ///
    /// Equivalent to building ``Labels`` from `labels` and calling ``sample(_:labels:value:)``.
    ///
    /// - Parameters:
    ///   - name: The name of the open family.
    ///   - labels: `(name, value)` pairs, written in order.
    ///   - value: The value.
    /// - Throws: ``ExpositionError`` for an invalid label name or as ``sample(_:labels:value:)``.
    public mutating func sample(_ name: String, labels: [(String, String)], value: Double) throws(ExpositionError) {
        try sample(name, labels: Labels(labels), value: value)
    }

    /// Writes one histogram series: a `_bucket` line per bound with `le` appended to the labels, a final
    /// `le="+Inf"` bucket equal to `count`, then `_sum` and `_count`.
    ///
    /// - Parameters:
    ///   - name: The name of the open histogram family (without suffix).
    ///   - labels: The series' labels; `le` is added after them.
    ///   - buckets: Upper bounds in strictly increasing order with cumulative counts (non-decreasing, at most
    ///     `count`). A final `+Inf` bound may be included, in which case its count must equal `count`;
    ///     otherwise it is added.
    ///   - sum: The sum of all observations.
    ///   - count: The number of observations.
    /// - Throws: ``ExpositionError`` with code `sampleOutsideFamily`, `typeMismatch` or `invalidBuckets`.
    public mutating func histogram(
        _ name: String,
        labels: Labels = .empty,
        buckets: [(upperBound: Double, cumulativeCount: UInt64)],
        sum: Double,
        count: UInt64
    ) throws(ExpositionError) {
        try checkOpen(name, histogram: true)
        try Self.validateBuckets(name, buckets: buckets, count: count)
        cutPieceIfFull()
        for bucket in buckets {
            appendBucket(name, labels: labels, bound: bucket.upperBound, count: bucket.cumulativeCount)
        }
        if buckets.last?.upperBound != .infinity {
            appendBucket(name, labels: labels, bound: .infinity, count: count)
        }
        appendSuffixed(name, suffix: "_sum", labels: labels)
        PrometheusNumber.appendExposition(sum, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        appendSuffixed(name, suffix: "_count", labels: labels)
        appendCount(count)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Writes one histogram series with labels given as pairs.
    ///
    /// Equivalent to building ``Labels`` from `labels` and calling
    /// ``histogram(_:labels:buckets:sum:count:)``.
    ///
    /// - Throws: ``ExpositionError`` for an invalid label name or as the ``Labels`` variant.
    public mutating func histogram(
        _ name: String,
        labels: [(String, String)],
        buckets: [(upperBound: Double, cumulativeCount: UInt64)],
        sum: Double,
        count: UInt64
    ) throws(ExpositionError) {
        try histogram(name, labels: Labels(labels), buckets: buckets, sum: sum, count: count)
    }

    // MARK: - Helpers

    /// Moves ``bytes`` to the pieces once it holds ``pieceSize`` bytes; called before the lines of a family header
    /// or series are written (after their checks), so every piece ends with a whole line. The buffer moves, no copy.
    private mutating func cutPieceIfFull() {
        guard bytes.count >= pieceSize else { return }
        cutPieces.append(bytes)
        bytes = []
        bytes.reserveCapacity(pieceSize + Self.pieceMargin)
    }

    private func checkNotFinished(_ name: String) throws(ExpositionError) {
        if isFinished {
            throw ExpositionError(
                code: .finished,
                subject: name,
                message: "\(name) written after the end of the exposition"
            )
        }
    }

    /// A bucket count or `_count`: an integer in OpenMetrics, client_golang's float spelling in the text format.
    private mutating func appendCount(_ count: UInt64) {
        if format.isOpenMetrics {
            PrometheusNumber.appendInteger(count, to: &bytes)
        } else {
            PrometheusNumber.appendExposition(Double(count), to: &bytes)
        }
    }

    private func checkOpen(_ name: String, histogram: Bool) throws(ExpositionError) {
        try checkNotFinished(name)
        guard let openFamily, openFamily == name else {
            let context = openFamily.map { "the open family is \($0)" } ?? "no family is open"
            throw ExpositionError(
                code: .sampleOutsideFamily,
                subject: name,
                message: "sample \(name) written outside its family (\(context))"
            )
        }
        if histogram != (openType == .histogram) {
            throw ExpositionError(
                code: .typeMismatch,
                subject: name,
                message: histogram
                    ? "histogram written into \(name), a \(openType.rawValue) family"
                    : "plain sample written into \(name), a histogram family"
            )
        }
    }

    private static func validateBuckets(
        _ name: String,
        buckets: [(upperBound: Double, cumulativeCount: UInt64)],
        count: UInt64
    ) throws(ExpositionError) {
        func fail(_ reason: String) -> ExpositionError {
            ExpositionError(code: .invalidBuckets, subject: name, message: "histogram \(name): \(reason)")
        }
        var previous: (upperBound: Double, cumulativeCount: UInt64)?
        for bucket in buckets {
            if bucket.upperBound.isNaN {
                throw fail("bucket bound is NaN")
            }
            if let previous {
                if !(bucket.upperBound > previous.upperBound) {
                    throw fail(
                        "bucket bounds must increase strictly, got \(PrometheusNumber.exposition(bucket.upperBound))"
                            + " after \(PrometheusNumber.exposition(previous.upperBound))"
                    )
                }
                if bucket.cumulativeCount < previous.cumulativeCount {
                    throw fail(
                        "cumulative count \(bucket.cumulativeCount) of le=\(PrometheusNumber.exposition(bucket.upperBound))"
                            + " is below the previous bucket's \(previous.cumulativeCount)"
                    )
                }
            }
            if bucket.cumulativeCount > count {
                throw fail("bucket count \(bucket.cumulativeCount) exceeds the total count \(count)")
            }
            if bucket.upperBound == .infinity, bucket.cumulativeCount != count {
                throw fail("the +Inf bucket holds \(bucket.cumulativeCount) but count is \(count)")
            }
            previous = bucket
        }
    }

    private mutating func appendBucket(_ name: String, labels: Labels, bound: Double, count: UInt64) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: "_bucket{".utf8)
        if !labels.rendered.isEmpty {
            bytes.append(contentsOf: labels.rendered)
            bytes.append(UInt8(ascii: ","))
        }
        bytes.append(contentsOf: "le=\"".utf8)
        PrometheusNumber.appendCanonical(bound, to: &bytes)
        bytes.append(contentsOf: "\"} ".utf8)
        appendCount(count)
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func appendSuffixed(_ name: String, suffix: String, labels: Labels) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: suffix.utf8)
        if !labels.rendered.isEmpty {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(contentsOf: labels.rendered)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
    }

    /// Checks that `name` matches `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    ///
    /// - Throws: ``ExpositionError`` with code `invalidMetricName`.
    static func validateMetricName(_ name: String) throws(ExpositionError) {
        var first = true
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "_"), UInt8(ascii: ":"):
                break
            case UInt8(ascii: "0")...UInt8(ascii: "9") where !first:
                break
            default:
                throw ExpositionError(
                    code: .invalidMetricName,
                    subject: name,
                    message: "metric name \"\(name)\" does not match [a-zA-Z_:][a-zA-Z0-9_:]*"
                )
            }
            first = false
        }
        if first {
            throw ExpositionError(code: .invalidMetricName, subject: name, message: "metric name is empty")
        }
    }
}
