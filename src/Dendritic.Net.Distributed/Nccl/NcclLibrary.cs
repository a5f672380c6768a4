using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace Dendritic.Distributed;

/// <summary>
/// Finds libnccl.so.2. In order: the file or folder in <see cref="PathVariable"/>; the name <c>libnccl.so.2</c>
/// (already loaded by a CUDA libtorch, or on LD_LIBRARY_PATH or the system path); then, for each LD_LIBRARY_PATH entry
/// that is PyTorch's <c>torch/lib</c>, the NCCL of its pip wheel (<c>site-packages/nvidia/nccl/lib</c>, or the
/// <c>nvidia/cu13/lib</c> / <c>nvidia/cu12/lib</c> layouts). The communicator and the rendezvous load it on first use;
/// <see cref="Version"/> loads it up front, so that a missing library is reported before training starts.
/// </summary>
public static class NcclLibrary
{
    /// <summary>The environment variable that names libnccl.so.2 (a file, or the folder that holds it).</summary>
    public static string PathVariable => "DENDRITIC_NCCL_PATH";

    private static readonly object Gate = new();
    private static IntPtr _handle;
    private static string? _loadedFrom;

    /// <summary>Where NCCL was loaded from; null until it was.</summary>
    public static string? LoadedFrom => _loadedFrom;

    /// <summary>The places tried, in order, for error messages and docs.</summary>
    /// <returns>File paths and bare names.</returns>
    internal static IReadOnlyList<string> Candidates()
    {
        var list = new List<string>();
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } given)
        {
            list.Add(Directory.Exists(given) ? Path.Combine(given, "libnccl.so.2") : given);
        }

        list.Add("libnccl.so.2");
        foreach (var entry in (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var trimmed = entry.TrimEnd('/');
            if (trimmed.EndsWith("torch/lib", StringComparison.Ordinal))
            {
                var sitePackages = Path.GetDirectoryName(Path.GetDirectoryName(trimmed))!;
                foreach (var layout in new[] { "nvidia/nccl/lib", "nvidia/cu13/lib", "nvidia/cu12/lib" })
                {
                    list.Add(Path.Combine(sitePackages, layout, "libnccl.so.2"));
                }
            }
        }

        return list;
    }

    /// <summary>Loads NCCL (once) by the rules above, after setting NCCL_NVLS_ENABLE=0 in the process environment unless it is set.</summary>
    /// <returns>The native library handle.</returns>
    /// <exception cref="NcclException">No candidate loaded; the message lists what was tried and the fix.</exception>
    internal static IntPtr Load()
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero)
            {
                return _handle;
            }

            // Multicast (NVLink SHARP) off by default: not allowed on the machines this was written for. A value the
            // user set stays (overwrite 0): it is their machine's rule. Set through libc, before NCCL's first call reads
            // its environment (.NET's Environment.SetEnvironmentVariable does not reach getenv).
            NcclNative.setenv("NCCL_NVLS_ENABLE", "0", 0);
            var tried = Candidates();
            foreach (var candidate in tried)
            {
                if (NativeLibrary.TryLoad(candidate, out var handle))
                {
                    _handle = handle;
                    _loadedFrom = candidate;
                    return handle;
                }
            }

            throw new NcclException($"libnccl.so.2 was not found (tried: {string.Join(", ", tried)}). Set {PathVariable} to the file or its folder; with PyTorch's pip wheels it is in site-packages/nvidia/nccl/lib: python3 -c \"import nvidia.nccl, os; print(os.path.join(nvidia.nccl.__path__[0], 'lib'))\".");
        }
    }

    /// <summary>The handle, loading NCCL if it is not yet; zero when it cannot (for the import resolver, which must not throw).</summary>
    internal static IntPtr TryLoad()
    {
        try
        {
            return Load();
        }
        catch (NcclException)
        {
            return IntPtr.Zero;
        }
    }

    /// <summary>NCCL's version as a number (e.g. 22703 for 2.27.3).</summary>
    /// <returns>The version code.</returns>
    /// <exception cref="NcclException">NCCL did not load.</exception>
    public static int Version()
    {
        NcclNative.EnsureResolver();
        Load();
        NcclCommunicator.Check(NcclNative.ncclGetVersion(out var version), "ncclGetVersion");
        return version;
    }
}
