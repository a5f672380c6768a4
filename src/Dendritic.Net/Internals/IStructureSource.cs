namespace Dendritic;

/// <summary>A dendrite layer (a <see cref="DendriteLayer"/>, or a wrapper's attachment) whose structure <see cref="StructureWatch"/> records.</summary>
internal interface IStructureSource
{
    /// <summary>The name that error messages give the layer.</summary>
    string StructureName { get; }

    /// <summary>What the layer computes with now.</summary>
    /// <param name="trained">Whether autograd records the layer now (its parameters' trainability is recorded too).</param>
    LayerStructure CurrentStructure(bool trained);
}
