namespace Dendritic;

/// <summary>How a wrapped layer's dendrites are attached to the model.</summary>
public enum AttachMode
{
    /// <summary>
    /// The layer was replaced in its parent by a <see cref="DendriteLayer"/> (inside Sequential, ModuleList, ModuleDict
    /// or a field typed as a general module). Fastest path. Weight keys: <c>path.weight</c>, <c>path.dendrites.*</c>.
    /// </summary>
    Replaced = 0,

    /// <summary>
    /// The layer stays where it is (a field typed as the concrete layer) and a forward hook adds the dendrites; it must
    /// be called through <c>call()</c>. Weight keys: <c>path.weight</c>, <c>dendrites.{path with _}.*</c>.
    /// </summary>
    Hooked = 1,
}
