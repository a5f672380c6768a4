using System.Linq;
using System.Reflection;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Experiments.Tests.Docs;

/// <summary>
/// No package exposes a public constant: a constant is compiled into the code that reads it, so a program built against
/// one version would keep its old value (a checkpoint format version, an ONNX opset, a CSV header) after an upgrade.
/// Values are static read-only properties instead.
/// </summary>
[TestFixture]
public sealed class PublicConstantsTests
{
    private static readonly Assembly[] Packages =
    {
        typeof(Dendrites).Assembly, typeof(ExperimentRunner).Assembly, typeof(Dendritic.Reporting.ExperimentCharts).Assembly,
        typeof(Dendritic.Distributed.NcclLibrary).Assembly, typeof(Dendritic.Onnx.OnnxExporter).Assembly,
    };

    [Test]
    public void ExportedTypes_HaveNoPublicConstants()
    {
        var constants = Packages.SelectMany(a => a.GetExportedTypes())
            .Where(t => !t.IsEnum)
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(f => f.IsLiteral)
            .Select(f => $"{f.DeclaringType!.FullName}.{f.Name}");

        constants.Should().BeEmpty();
    }

    [Test]
    public void FormerConstants_KeepTheirValues()
    {
        DendriteCheckpoint.FormatVersion.Should().Be(5);
        DendriteCheckpoint.OldestFormatVersion.Should().Be(2);
        DendriteCheckpoint.FormatName.Should().Be("dendritic-checkpoint");
        Dendritic.Onnx.OnnxExporter.OpsetVersion.Should().Be(17);
        Dendritic.Onnx.OnnxExporter.IrVersion.Should().Be(8);
        Dendrites.NativeShareWarningThreshold.Should().Be(0.1);
        ExperimentOptions.MaxGridIntensityGramsPerKwh.Should().Be(10_000);
        Dendritic.Distributed.NcclLibrary.PathVariable.Should().Be("DENDRITIC_NCCL_PATH");
    }
}
