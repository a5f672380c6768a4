using System.Collections.Generic;
using System.Linq;

namespace Dendritic.Cuda;

/// <summary>
/// The order NVRTC's file names are tried in, given the CUDA version the driver supports: a pure function, so that the
/// choice is tested without a GPU.
/// </summary>
/// <remarks>
/// The driver refuses a CUBIN from an NVRTC of a newer CUDA major version than its own (NVRTC 13 under a CUDA 12.8
/// driver), while minor versions are compatible within a major version. Trying NVRTC 13 first whatever the driver meant
/// that a machine with both NVRTCs and a CUDA 12 driver failed at the first module load although NVRTC 12 was there.
/// </remarks>
internal static class NvrtcSearchOrder
{
    /// <summary>
    /// <paramref name="candidates"/> in the order to try: first those whose major version the driver supports (at most
    /// the driver's CUDA major version), newest first; then those whose name promises no version; then those newer than
    /// the driver, in their listed order (still tried, so that the error names both versions rather than a missing
    /// library). When the driver's version is unknown (<paramref name="driverVersion"/> null, or not positive: no driver),
    /// the listed order, unchanged.
    /// </summary>
    /// <param name="driverVersion">The driver's CUDA version as cuDriverGetVersion reports it: 12080 for 12.8.</param>
    /// <param name="candidates">The names, newest first.</param>
    public static IReadOnlyList<NvrtcCandidate> For(int? driverVersion, IReadOnlyList<NvrtcCandidate> candidates)
    {
        if (driverVersion is not > 0)
        {
            return candidates;
        }

        var driverMajor = driverVersion.Value / 1000;
        var supported = candidates.Where(c => c.Major <= driverMajor).OrderByDescending(c => c.Major);
        var unversioned = candidates.Where(c => c.Major is null);
        var newer = candidates.Where(c => c.Major > driverMajor);
        return supported.Concat(unversioned).Concat(newer).ToArray();
    }
}
