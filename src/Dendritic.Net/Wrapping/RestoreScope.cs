using System;

namespace Dendritic;

/// <summary>A scope that runs its restore action once, when first disposed (<see cref="DendriticModel.Disable"/>'s).</summary>
internal sealed class RestoreScope(Action restore) : IDisposable
{
    private Action? _restore = restore;

    public void Dispose()
    {
        _restore?.Invoke();
        _restore = null;
    }
}
