package io.agentorchestrator.examples.bench;

import io.agentorchestrator.core.wire.CodecBenchmark;
import java.io.PrintStream;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * {@code bench codec}: nanoseconds and bytes allocated per call of the wire codec on a 1 KiB task
 * and result ({@link CodecBenchmark}, run by JMH with its GC profiler), the shipped writer and reader
 * next to the Jackson generator and streaming parser they replaced, as {@code codec_ns.<benchmark>} and {@code codec_bytes.<benchmark>}.
 */
final class CodecBench implements Scenario {

    @Override
    public Map<String, Number> run(boolean quick, PrintStream progress) throws Exception {
        Options options = new OptionsBuilder()
                .include(CodecBenchmark.class.getName() + ".")
                .forks(1)
                .warmupIterations(quick ? 2 : 5)
                .warmupTime(TimeValue.milliseconds(quick ? 300 : 1_000))
                .measurementIterations(quick ? 3 : 5)
                .measurementTime(TimeValue.milliseconds(quick ? 300 : 1_000))
                .addProfiler(GCProfiler.class)
                .jvmArgsAppend("-Xms256m", "-Xmx256m")
                .verbosity(VerboseMode.SILENT)
                .build();
        progress.printf("bench codec: encode/decode of a 1 KiB task and result under JMH (%s)%n", quick ? "quick" : "full");
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Number> metrics = new LinkedHashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            metrics.put("codec_ns." + name, Math.round(r.getPrimaryResult().getScore() * 10) / 10.0);
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            if (alloc != null) {
                metrics.put("codec_bytes." + name, Math.round(alloc.getScore()));
            }
        }
        return metrics;
    }
}
