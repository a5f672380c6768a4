using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;

namespace Dendritic.Tests.Monitoring;

/// <summary>
/// <see cref="LayerActivationStats.DendriteCount"/> keeps the JSON name <c>DendriteSets</c> that reports and the
/// scheduler state in checkpoints were written with.
/// </summary>
[TestFixture]
public sealed class LayerActivationStatsJsonTests
{
    [Test]
    public void Serialize_DendriteCount_IsWrittenAsDendriteSets()
    {
        var json = JsonSerializer.Serialize(new LayerActivationStats { Layer = "fc1", DendriteCount = 3 });

        using var document = JsonDocument.Parse(json);
        document.RootElement.GetProperty("DendriteSets").GetInt32().Should().Be(3);
        document.RootElement.TryGetProperty("DendriteCount", out _).Should().BeFalse();
    }

    [Test]
    public void Deserialize_TextWrittenBeforeTheRename_ReadsDendriteCount()
    {
        var stats = JsonSerializer.Deserialize<LayerActivationStats>("""{"Layer":"fc1","DendriteSets":2,"Activations":10,"GradientSteps":1}""");

        stats!.DendriteCount.Should().Be(2);
        stats.Layer.Should().Be("fc1");
    }
}
