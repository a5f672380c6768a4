using System;
using System.Linq;
using TorchSharp;

namespace Dendritic;

/// <summary>
/// After a wrap without a check pass, makes a hooked layer whose parent bypasses its hook impossible to miss: hooks
/// on the root model's <c>call()</c> check that every hooked layer ran during the model's first forward pass, and
/// throw <see cref="LayerNotInvokedException"/> (the model stays wrapped) until one pass runs them all. Passing
/// <see cref="DendriticModel.Verify"/> or unwrapping removes the check. Replaced layers need none: their parent
/// holds the <see cref="DendriteLayer"/> itself, so no call can bypass it.
/// </summary>
internal sealed class FirstForwardCheck : IDisposable
{
    private readonly DendriticModel _handle;
    private readonly LayerAttachment[] _hooked;
    private readonly long[] _callsBefore;
    private Action? _removeHooks;
    private bool _passed;

    private FirstForwardCheck(DendriticModel handle, LayerAttachment[] hooked)
    {
        _handle = handle;
        _hooked = hooked;
        _callsBefore = new long[hooked.Length];
    }

    /// <summary>Installs the check on the handle's model; null when no layer is hooked or the model cannot be hooked.</summary>
    public static FirstForwardCheck? TryInstall(DendriticModel handle)
    {
        var hooked = handle.Attachments.Where(a => a.Mode == AttachMode.Hooked).ToArray();
        if (hooked.Length == 0)
        {
            return null;
        }

        var check = new FirstForwardCheck(handle, hooked);
        check._removeHooks = TorchSharpInternals.TryRegisterCallHooks(handle.Model, _ => check.Before(), _ => check.After());
        return check._removeHooks is null ? null : check;
    }

    public void Dispose()
    {
        _removeHooks?.Invoke();
        _removeHooks = null;
    }

    private bool Verifying => _hooked[0].ObserveShapes;

    private void Before()
    {
        if (_passed)
        {
            return;
        }

        for (var i = 0; i < _hooked.Length; i++)
        {
            _callsBefore[i] = _hooked[i].ForwardCalls;
        }
    }

    private void After()
    {
        // Verify runs its own check (and reports it as such).
        if (_passed || Verifying)
        {
            return;
        }

        var silent = _hooked.Where((a, i) => a.ForwardCalls == _callsBefore[i]).Select(a => a.Path).ToList();
        if (silent.Count > 0)
        {
            throw new LayerNotInvokedException(silent, _handle, firstForward: true);
        }

        // The hooks stay, inert, until Verify or Unwrap removes them: removing them here would change TorchSharp's
        // hook tables while call() walks them.
        _passed = true;
    }
}
