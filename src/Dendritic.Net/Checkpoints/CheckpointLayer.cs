using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Dendritic;

/// <summary>One wrapped layer as recorded in a checkpoint manifest.</summary>
public sealed record CheckpointLayer
{
    /// <summary>The layer's path in the model.</summary>
    public required string Name { get; init; }

    /// <summary>How the dendrites were attached when saved (informational: loading attaches as the new model allows).</summary>
    public required AttachMode Mode { get; init; }

    /// <summary>The host layer's type and shape; loading checks the new model's layer against it.</summary>
    public required HostLayerSpec Host { get; init; }

    /// <summary>Number of dendrite sets (dendrites per neuron). Stored as <c>dendrites</c> in the manifest.</summary>
    [JsonPropertyName("dendrites")]
    public required int DendriteCount { get; init; }

    /// <summary>Whether the layer's dendrites were switched on.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Indices of the dendrite sets that were frozen (<see cref="DendriteSet.Frozen"/>: their weights, bias and cascade
    /// weights did not train). Before format 5 a frozen set's output scale u loaded frozen with it.
    /// </summary>
    public IReadOnlyList<int> FrozenSets { get; init; } = new List<int>();

    /// <summary>
    /// Indices of the dendrite sets whose output scale u (<see cref="DendriteSet.OutputScale"/>) did not train, recorded
    /// from format 5 on: a set frozen by cascade-correlation trains its u, one frozen with <see cref="DendriteSet.Frozen"/>
    /// does not. Stored as <c>frozenOutputScales</c>.
    /// </summary>
    public IReadOnlyList<int> FrozenOutputScales { get; init; } = new List<int>();

    /// <summary>
    /// The layer's own dendrite options, recorded (from format 4 on) only when they differ from the manifest's
    /// <see cref="CheckpointManifest.Dendrite"/>, which a model built with <see cref="DendriteLayer"/>s of different
    /// options and adopted (<see cref="Dendrites.Adopt"/>) has; null when the layer has the manifest's. Absent from the
    /// file when null. <see cref="DendriteCheckpoint.Load"/> gives the layer these options, and a load into a model that
    /// already carries dendrites checks the layer's activation against them.
    /// </summary>
    // Omitted when null, so that the manifest of a model whose layers share their options is the one format 3 wrote,
    // but for its format version.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DendriteOptions? Dendrite { get; init; }
}
