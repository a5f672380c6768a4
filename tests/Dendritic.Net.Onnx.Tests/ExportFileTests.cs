using System;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using Dendritic.Onnx.Tests.Support;
using Dendritic.Testing;
using FluentAssertions;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace Dendritic.Onnx.Tests;

/// <summary>The file the exporter writes: atomic replacement, the folder checked first, graph names that are valid.</summary>
public class ExportFileTests
{
    private TempFolder _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = new TempFolder();

    [TearDown]
    public void RemoveFolder() => _folder.Dispose();

    [Test]
    public void Export_GraphNamesEqualToGeneratedValueNames_WritesAValidModel()
    {
        // A root Linear names its initializers "weight" and "bias"; the graph's input and output took those names too,
        // and ONNX Runtime refused the file ("Duplicate definition of name (weight)").
        torch.manual_seed(3);
        using var model = nn.Linear(3, 2);
        using var sample = randn(2, 3);
        using var input = randn(4, 3);
        var options = new OnnxExportOptions { InputName = "bias", OutputName = "weight" };

        var bytes = OnnxExporter.ExportToBytes(model, sample, options);

        Parity.ShouldRunLike(bytes, model, input, "bias", "weight");
    }

    [Test]
    [UnsupportedOSPlatform("windows")]
    public void Export_OverExistingFile_ReplacesItWholeByRename()
    {
        Assume.That(!OperatingSystem.IsWindows(), "Unix rename semantics: an open file keeps its contents");
        var path = _folder.File("model.onnx");
        var old = Enumerable.Repeat((byte)7, 4096).ToArray();
        File.WriteAllBytes(path, old);
        using var model = nn.Sequential(nn.Linear(4, 3), nn.ReLU());
        using var sample = randn(2, 4);

        // A reader that opened the old file before the export: written in place, it would see the new bytes (or a
        // file cut short); replaced by a rename, it goes on reading the complete old file.
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        OnnxExporter.Export(model, sample, path);
        var seen = new byte[old.Length + 1];
        var read = reader.Read(seen, 0, seen.Length);

        seen.Take(read).Should().Equal(old);
        File.ReadAllBytes(path).Should().Equal(OnnxExporter.ExportToBytes(model, sample));
        Directory.EnumerateFiles(_folder.Path).Select(Path.GetFileName).Should().Equal("model.onnx");
    }

    [Test]
    public void Export_IntoMissingFolder_ThrowsNamingTheFileBeforeRunningTheModel()
    {
        var path = Path.Combine(_folder.Path, "missing", "model.onnx");

        // The model cannot be exported either; the folder is checked first, so that error is the one reported.
        using var model = nn.Sequential(nn.Linear(3, 3), new Doubler());
        using var sample = randn(2, 3);
        var act = () => OnnxExporter.Export(model, sample, path);

        act.Should().Throw<DirectoryNotFoundException>().Where(e => e.Message.Contains(path, StringComparison.Ordinal));
    }

    [Test]
    public void Export_ThroughHandle_WritesTheSameBytesAsExportToBytes()
    {
        torch.manual_seed(5);
        using var model = Models.Mlp(2);
        using var sample = randn(2, 8);
        var path = _folder.File("dendritic.onnx");

        OnnxExporter.Export(TestHandles.Of(model), sample, path);

        File.ReadAllBytes(path).Should().Equal(OnnxExporter.ExportToBytes(TestHandles.Of(model), sample));
        Directory.EnumerateFiles(_folder.Path).Select(Path.GetFileName).Should().Equal("dendritic.onnx");
    }
}
