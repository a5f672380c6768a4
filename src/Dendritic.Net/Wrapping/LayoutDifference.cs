using System.Collections.Generic;

namespace Dendritic;

/// <summary>
/// How a file's tensors differ from what a model holds (<see cref="StateLayout.FirstDifference"/>): keys one side lacks,
/// or, when the keys agree, the first key whose layout differs (<see cref="Found"/> in the file, <see cref="Wanted"/> by the model).
/// </summary>
internal sealed record LayoutDifference(string Key, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, TensorLayout? Found, TensorLayout? Wanted);
