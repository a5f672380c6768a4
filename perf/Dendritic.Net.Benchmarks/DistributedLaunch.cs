using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace Dendritic.Benchmarks;

/// <summary>
/// <c>distributed-launch [--gpus N] [--compare] [--timeout 300] [distributed-check options]</c>: starts N processes of
/// <c>distributed-check</c>, one per GPU (RANK, WORLD_SIZE, LOCAL_RANK, a fresh DENDRITIC_NCCL_ID_FILE: the file
/// rendezvous), stops them all when one fails or the timeout passes, then checks that the ranks made the same growth
/// decisions and hold the same parameters. With <c>--compare</c> it first runs the same job on 1 GPU and prints the
/// throughput of both and the scaling. With <c>--inject-failure</c> rank 1 throws in epoch 1 and the others must stop
/// on their own with its reason. Prints PASS/FAIL lines and a table.
/// </summary>
internal static class DistributedLaunch
{
    private static int[] _lastExitCodes = Array.Empty<int>();
    private static double _lastSeconds;

    public static int Run(string[] args)
    {
        var gpus = DistributedCheck.Option(args, "--gpus", 1);
        var timeout = TimeSpan.FromSeconds(DistributedCheck.Option(args, "--timeout", 300));
        var compare = args.Contains("--compare");
        var passOn = args.Where((a, i) => a != "--compare" && a != "--inject-failure" && a != "--gpus" && a != "--timeout" && !(i > 0 && (args[i - 1] == "--gpus" || args[i - 1] == "--timeout"))).ToArray();
        if (args.Contains("--inject-failure"))
        {
            return InjectFailure(gpus, timeout, passOn);
        }

        var sizes = compare && gpus > 1 ? new[] { 1, gpus } : new[] { gpus };
        var rows = new List<(int World, double PerSecond, string Decisions, string Checksum)>();
        var failed = 0;
        foreach (var world in sizes)
        {
            var results = Job(world, timeout, passOn);
            if (results is null)
            {
                Console.WriteLine($"FAIL launch-{world}: a rank failed or timed out (its log is above)");
                failed++;
                continue;
            }

            var decisions = results.Select(r => string.Join(",", r.GetProperty("decisions").EnumerateArray().Select(d => d.GetString()))).ToList();
            var checksums = results.Select(r => string.Join(" / ", r.GetProperty("checksum").EnumerateArray().Select(v => v.GetDouble().ToString("R", CultureInfo.InvariantCulture)))).ToList();
            var sameDecisions = decisions.Distinct().Count() == 1;
            var sameParameters = checksums.Distinct().Count() == 1;
            var rankFailures = results.Sum(r => r.GetProperty("failures").GetInt32());
            Console.WriteLine($"{(sameDecisions ? "PASS" : "FAIL")} launch-{world}-decisions: {decisions.Count} ranks, {(sameDecisions ? "identical" : "DIFFERENT")}: {decisions[0]}");
            Console.WriteLine($"{(sameParameters ? "PASS" : "FAIL")} launch-{world}-parameters: final parameter checksums {(sameParameters ? "identical" : "DIFFERENT: " + string.Join(" | ", checksums))}");
            Console.WriteLine($"{(rankFailures == 0 ? "PASS" : "FAIL")} launch-{world}-ranks: {rankFailures} failed checks over all ranks");
            failed += (sameDecisions ? 0 : 1) + (sameParameters ? 0 : 1) + (rankFailures == 0 ? 0 : 1);
            rows.Add((world, results[0].GetProperty("samplesPerSecond").GetDouble(), decisions[0], checksums[0]));
        }

        Console.WriteLine();
        Console.WriteLine("| GPUs | samples/s (all ranks) | scaling vs 1 GPU | growth decisions (rank 0) | parameter checksum (sum / abs sum) |");
        Console.WriteLine("|---|---|---|---|---|");
        var single = rows.FirstOrDefault(r => r.World == 1).PerSecond;
        foreach (var (world, perSecond, decisions, checksum) in rows)
        {
            var scaling = single > 0 ? (perSecond / single).ToString("F2", CultureInfo.InvariantCulture) + "x" : "n/a";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {world} | {perSecond:F0} | {scaling} | {decisions} | {checksum} |"));
        }

        if (compare && gpus > 1 && rows.Count == 2)
        {
            var ratio = rows[1].PerSecond / rows[0].PerSecond;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scaling {gpus} GPUs / 1 GPU: {ratio:F2}x (goal >= 1.8x)"));
        }

        Console.WriteLine(failed == 0 ? "distributed-launch: all passed" : $"distributed-launch: {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Rank 1 throws in epoch 1: it must exit as failed, every other rank as stopped by it, none killed.</summary>
    private static int InjectFailure(int gpus, TimeSpan timeout, string[] passOn)
    {
        if (gpus < 2)
        {
            Console.WriteLine("FAIL inject-failure: needs --gpus 2 or more");
            return 1;
        }

        Job(gpus, timeout, passOn.Concat(new[] { "--fail-rank", "1" }).ToArray());
        var codes = _lastExitCodes;
        var ok = codes.Length == gpus && codes[1] == DistributedCheck.FailedHere
            && codes.Where((_, r) => r != 1).All(c => c == DistributedCheck.StoppedByPeer);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(ok ? "PASS" : "FAIL")} inject-failure: exit codes [{string.Join(", ", codes)}] (rank 1 failed = {DistributedCheck.FailedHere}, others stopped by it = {DistributedCheck.StoppedByPeer}) after {_lastSeconds:F1} s"));
        return ok ? 0 : 1;
    }

    /// <summary>Runs one job of <paramref name="world"/> ranks; null when a rank failed.</summary>
    private static List<JsonElement>? Job(int world, TimeSpan timeout, string[] passOn)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"dendritic-dist-{Environment.ProcessId}-{world}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var host = Environment.ProcessPath!;
        var viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        var processes = new List<Process>();
        Console.WriteLine($"=== {world} rank(s), rendezvous file {Path.Combine(folder, "nccl.id")}");
        for (var rank = 0; rank < world; rank++)
        {
            var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (viaDotnet)
            {
                start.ArgumentList.Add(typeof(DistributedLaunch).Assembly.Location);
            }

            start.ArgumentList.Add("distributed-check");
            foreach (var a in passOn)
            {
                start.ArgumentList.Add(a);
            }

            start.Environment["RANK"] = rank.ToString(CultureInfo.InvariantCulture);
            start.Environment["LOCAL_RANK"] = rank.ToString(CultureInfo.InvariantCulture);
            start.Environment["WORLD_SIZE"] = world.ToString(CultureInfo.InvariantCulture);
            start.Environment["DENDRITIC_NCCL_ID_FILE"] = Path.Combine(folder, "nccl.id");
            start.Environment["DENDRITIC_NCCL_TIMEOUT_S"] = ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            start.Environment["DIST_RESULT_DIR"] = folder;
            start.Environment["NCCL_NVLS_ENABLE"] = "0";
            var process = new Process { StartInfo = start };
            var prefix = $"[rank {rank}] ";
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine(prefix + e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine(prefix + e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            processes.Add(process);
        }

        var clock = Stopwatch.StartNew();
        var ok = true;
        TimeSpan? failedAt = null;
        while (processes.Any(p => !p.HasExited))
        {
            if (failedAt is null && processes.Any(p => p.HasExited && p.ExitCode != 0))
            {
                // The others should stop on their own (failure note, NCCL abort); give them a moment to say so.
                failedAt = clock.Elapsed;
            }

            if ((failedAt is { } at && clock.Elapsed - at > TimeSpan.FromSeconds(20)) || clock.Elapsed > timeout + TimeSpan.FromSeconds(60))
            {
                ok = false;
                foreach (var p in processes.Where(p => !p.HasExited))
                {
                    Console.WriteLine($"stopping rank {processes.IndexOf(p)} (pid {p.Id}): another rank failed or the job timed out");
                    p.Kill(entireProcessTree: true);
                }
            }

            Task.Delay(100).Wait();
        }

        foreach (var p in processes)
        {
            p.WaitForExit();
            ok &= p.ExitCode == 0 || File.Exists(Path.Combine(folder, $"rank{processes.IndexOf(p)}.json"));
        }

        _lastExitCodes = processes.Select(p => p.ExitCode).ToArray();
        _lastSeconds = clock.Elapsed.TotalSeconds;

        var files = Enumerable.Range(0, world).Select(r => Path.Combine(folder, $"rank{r}.json")).ToList();
        if (!ok || files.Any(f => !File.Exists(f)))
        {
            return null;
        }

        return files.Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone()).ToList();
    }
}
