using System;
using System.IO;
using System.Linq;
using Dendritic.Experiments.Tests.Support;
using Dendritic.Testing;
using Dendritic.Pilot;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Pilot.Tests;

[TestFixture]
public sealed class PilotQuantizeTests
{
    [Test]
    public void Parse_Quantize_IsBoundAndOffByDefault()
    {
        PilotCommandLine.Parse(new[] { "--quantize" }).Options!.Quantize.Should().BeTrue();
        PilotCommandLine.Parse(Array.Empty<string>()).Options!.Quantize.Should().BeFalse();
    }

    [TestCase("mlp")]
    [TestCase("cnn")]
    public void Run_TinyFolderWithQuantize_WritesFloatAndInt8ModelsOfTheReportedEpochAndTheirTable(string model)
    {
        using var temp = new TempFolder();
        IdxFiles.WriteFolder(temp.Path, train: 48, test: 12);
        var output = temp.File("out");

        var code = PilotApp.Run(new[] { "--model", model, "--data", temp.Path, "--seeds", "1", "--epochs", "2", "--growth-epochs", "1", "--dendrite-mode", "fixed", "--width", "3", "--output", output, "--quantize" });

        code.Should().Be(ExitCodes.Success);
        Directory.GetFiles(Path.Combine(output, "onnx")).Select(Path.GetFileName).Should().BeEquivalentTo(
            "baseline-seed1-float32.onnx", "baseline-seed1-int8-static.onnx", "baseline-seed1-int8-dynamic.onnx",
            "dendritic-seed1-float32.onnx", "dendritic-seed1-int8-static.onnx", "dendritic-seed1-int8-dynamic.onnx");
        File.ReadAllLines(Path.Combine(output, "quantization.csv")).Should().HaveCount(7);
        // The harness hands RunFinished the best-validation model; the table said "its last epoch".
        File.ReadAllText(Path.Combine(output, "quantization.md")).Should().Contain("| Dendritic | int8 static |").And.Contain("best-validation epoch").And.NotContain("(its last epoch)");
    }
}
