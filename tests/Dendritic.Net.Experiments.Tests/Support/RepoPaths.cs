using System.IO;
using Dendritic.Testing;

namespace Dendritic.Experiments.Tests.Support;

/// <summary>Files of the repository the tests read.</summary>
internal static class RepoPaths
{
    /// <summary>The pilot's shipped MNIST digits (IDX files).</summary>
    public static string PilotData => Path.Combine(RepositoryRoot.Find(), "samples", "Dendritic.Pilot", "data");
}
