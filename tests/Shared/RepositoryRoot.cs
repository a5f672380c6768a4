using System;
using System.IO;

namespace Dendritic.Testing;

/// <summary>
/// The checkout the tests run from: the nearest folder above the test binaries that holds Dendritic.Net.sln. Linked into
/// the test projects that read the repository's own files (docs, READMEs, scripts).
/// </summary>
internal static class RepositoryRoot
{
    /// <summary>The folder's full path.</summary>
    /// <exception cref="DirectoryNotFoundException">No folder above the test binaries holds Dendritic.Net.sln.</exception>
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Dendritic.Net.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("Dendritic.Net.sln not found above " + AppContext.BaseDirectory);
    }
}
