using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Dendritic.Benchmarks;

/// <summary>
/// The program's own switches (everything else goes to BenchmarkDotNet). They are read once in Main, before
/// BenchmarkDotNet asks the [ParamsSource] members for their values, so the chosen device, sizes and dtypes become
/// benchmark parameters and reach out-of-process runs too.
/// </summary>
internal static class BenchSettings
{
    /// <summary>Devices to run on: "cpu" (default) or "cuda".</summary>
    public static IReadOnlyList<string> Devices { get; private set; } = new[] { "cpu" };

    /// <summary>Short jobs (one warm-up, three iterations): a whole CPU run of the layer suites in minutes.</summary>
    public static bool Quick { get; private set; }

    /// <summary>Runs benchmarks inside this process: needed where no .NET SDK is installed (the GPU machine).</summary>
    public static bool InProcess { get; private set; }

    /// <summary>Sizes to run: "small" and "large" by default.</summary>
    public static IReadOnlyList<string> Sizes { get; private set; } = new[] { "small", "large" };

    /// <summary>Dtypes to run: float32, plus bfloat16 when a CUDA device is chosen, unless --dtype says otherwise.</summary>
    public static IReadOnlyList<string> DTypes { get; private set; } = new[] { "float32" };

    /// <summary>Dendrite counts for the layer and model suites (default 1, 2, 4).</summary>
    public static IReadOnlyList<int> DendriteCounts { get; private set; } = new[] { 1, 2, 4 };

    /// <summary>Projection paths of the layer suites (default Auto only); see <see cref="DendriteProjection"/>.</summary>
    public static IReadOnlyList<string> Projections { get; private set; } = new[] { nameof(DendriteProjection.Auto) };

    /// <summary>
    /// Cascade implementations of the layer suites (default "reference" only): "reference" runs the library's own path,
    /// "cuda" the fused kernel of Dendritic.Net.Cuda (CudaCascade.Enable()).
    /// </summary>
    public static IReadOnlyList<string> Kernels { get; private set; } = new[] { "reference" };

    /// <summary>
    /// How the layer suites run a step (default "eager" only): "eager" issues its operations one by one, "graph" captures
    /// the step once as a CUDA graph and replays it (CudaGraphStep; the plain layer and the dendrite layer alike).
    /// </summary>
    public static IReadOnlyList<string> Captures { get; private set; } = new[] { "eager" };

    /// <summary>
    /// Whether the suites' hosts (and so their dendrite sets) have a bias: <c>--host-bias on|off</c>, default on. Off
    /// measures what the bias additions and bias-gradient reductions cost (an A/B; the rows do not show it).
    /// </summary>
    public static bool HostBias { get; private set; } = true;

    /// <summary>Minimum time of one measured iteration in milliseconds, when --iteration-ms is given.</summary>
    public static int? IterationMilliseconds { get; private set; }

    /// <summary>Measured iterations per benchmark, when --iterations is given (overrides --quick's count).</summary>
    public static int? Iterations { get; private set; }

    /// <summary>Whether a CUDA device takes part: benchmarks then synchronise it at the end of every invocation.</summary>
    public static bool UsesCuda => Devices.Contains("cuda");

    /// <summary>Takes this program's switches out of <paramref name="args"/> and returns the rest for BenchmarkDotNet.</summary>
    public static string[] Parse(string[] args)
    {
        var rest = new List<string>();
        IReadOnlyList<string>? dtypes = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--device":
                    Devices = List(Next(args, ref i));
                    break;
                case "--size":
                    Sizes = List(Next(args, ref i));
                    break;
                case "--dtype":
                    dtypes = List(Next(args, ref i));
                    break;
                case "--dendrites":
                    DendriteCounts = List(Next(args, ref i)).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                    break;
                case "--projection":
                    Projections = List(Next(args, ref i)).Select(p => Enum.Parse<DendriteProjection>(p, ignoreCase: true).ToString()).ToArray();
                    break;
                case "--kernel":
                    Kernels = List(Next(args, ref i));
                    break;
                case "--capture":
                    Captures = List(Next(args, ref i));
                    break;
                case "--host-bias":
                    var value = Next(args, ref i);
                    HostBias = value switch
                    {
                        "on" => true,
                        "off" => false,
                        _ => throw new ArgumentException($"--host-bias takes on or off, not '{value}'.", nameof(args)),
                    };
                    break;
                case "--iteration-ms":
                    IterationMilliseconds = int.Parse(Next(args, ref i), CultureInfo.InvariantCulture);
                    break;
                case "--iterations":
                    Iterations = int.Parse(Next(args, ref i), CultureInfo.InvariantCulture);
                    break;
                case "--quick":
                    Quick = true;
                    break;
                case "--inprocess":
                    InProcess = true;
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (Captures.Contains("graph") && Devices.Contains("cpu"))
        {
            throw new ArgumentException("--capture graph captures CUDA graphs: use it with --device cuda only.", nameof(args));
        }

        DTypes = dtypes ?? (UsesCuda ? new[] { "float32", "bfloat16" } : new[] { "float32" });
        Environment.SetEnvironmentVariable("DENDRITIC_BENCH_CUDA", UsesCuda ? "1" : "0");
        return rest.ToArray();
    }

    private static string Next(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new ArgumentException($"Switch {args[i]} needs a value.", nameof(args));
        }

        return args[++i];
    }

    private static string[] List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
