using System;
using NUnit.Framework;

namespace Dendritic.Testing;

/// <summary>
/// A fixture whose every test gets a fresh <see cref="TempFolder"/>, deleted after it. NUnit runs this SetUp before a
/// derived fixture's own, so that one may already write into <see cref="Folder"/>.
/// </summary>
public abstract class TempFolderTest
{
    private TempFolder? _temp;

    /// <summary>This test's temporary folder.</summary>
    private protected TempFolder Temp => _temp ?? throw new InvalidOperationException("The temporary folder exists only while a test runs.");

    /// <summary>The path of <see cref="Temp"/>.</summary>
    protected string Folder => Temp.Path;

    [SetUp]
    public void CreateTempFolder() => _temp = new TempFolder();

    [TearDown]
    public void DeleteTempFolder()
    {
        _temp?.Dispose();
        _temp = null;
    }
}
