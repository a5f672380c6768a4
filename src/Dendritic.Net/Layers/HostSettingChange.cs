namespace Dendritic;

/// <summary>
/// One setting of a wrapped host that no longer has the value its dendrites copied when they were added, as listed by
/// <see cref="HostSettingsChangedException.Changes"/>.
/// </summary>
/// <param name="Setting">The setting: <c>stride</c>, <c>dilation</c>, <c>padding</c>, <c>groups</c> or <c>padding_mode</c> of a convolution, or <c>weight shape</c> of any host.</param>
/// <param name="WrappedValue">Its value when the dendrites were added, e.g. <c>1x1</c> (a weight shape: <c>8x4x3x3</c>, out × in per group × kernel).</param>
/// <param name="CurrentValue">Its value now, e.g. <c>2x2</c>, or <c>same</c> / <c>valid</c> for a padding given by name.</param>
public sealed record HostSettingChange(string Setting, string WrappedValue, string CurrentValue)
{
    /// <summary>The change as one phrase.</summary>
    /// <returns>For example <c>stride 2x2 (was 1x1)</c>.</returns>
    public override string ToString() => $"{Setting} {CurrentValue} (was {WrappedValue})";
}
