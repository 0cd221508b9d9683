/**
 * Tally's benchmarks, each with a baseline beside it and the command that runs it in its Javadoc. Results and how
 * to read them: {@code docs/benchmarks.md}.
 *
 * <ul>
 *   <li>{@link dev.tally.bench.IngestLoad}: durable ingestion over HTTP against a real server (SQLite or
 *       PostgreSQL), with {@link dev.tally.bench.RawJdbcInsert}, a plain JDBC batch insert of the same rows, as the
 *       ceiling.</li>
 *   <li>{@link dev.tally.bench.UsageLatency}: latency of the month report for a customer with millions of
 *       events.</li>
 *   <li>JMH: {@link dev.tally.bench.EventPricerBenchmark}, {@link dev.tally.bench.RollupBatchBenchmark},
 *       {@link dev.tally.bench.EventJsonBenchmark}, the in-process work ingestion does per event.</li>
 * </ul>
 *
 * <p>Everything runs from one jar, built in the reactor (never installed):
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -jar tally-bench/target/benchmarks.jar -f 1 -wi 3 -i 5 -w 1s -r 1s          # all JMH benchmarks
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.IngestLoad --help     # a load command
 * </pre>
 */
package dev.tally.bench;
