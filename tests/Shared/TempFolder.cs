using System;
using System.IO;

namespace Dendritic.Testing;

/// <summary>
/// A fresh folder under the system temp folder, deleted on dispose. Linked into the core, harness, distributed and pilot
/// test projects, so that a fixture's SetUp/TearDown is one line each.
/// </summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dendritic-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
