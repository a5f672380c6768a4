using System;
using System.Collections.Generic;

namespace Dendritic.Cuda.Tests;

/// <summary>
/// One thread's CUDA context stack as the driver documents cuCtxGetCurrent and cuCtxSetCurrent: the current context
/// is the top (none when empty); setting a context replaces the top (pushes onto an empty stack); setting none pops.
/// </summary>
internal sealed class FakeContextStack : IContextBinding
{
    private readonly List<IntPtr> _stack;

    public FakeContextStack(params IntPtr[] bottomToTop) => _stack = new List<IntPtr>(bottomToTop);

    /// <summary>The stack, bottom first.</summary>
    public IReadOnlyList<IntPtr> Stack => _stack;

    /// <summary>How many times a context was set.</summary>
    public int Binds { get; private set; }

    /// <summary>When set, every later <see cref="Bind"/> fails as the driver does, with the stack unchanged (a device lost, say).</summary>
    public bool BindFails { get; set; }

    public IntPtr Current() => _stack.Count == 0 ? IntPtr.Zero : _stack[^1];

    public void Bind(IntPtr context)
    {
        Binds++;
        if (BindFails)
        {
            throw new CudaKernelException("cuCtxSetCurrent failed (fake).");
        }

        if (context == IntPtr.Zero)
        {
            if (_stack.Count > 0)
            {
                _stack.RemoveAt(_stack.Count - 1);
            }
        }
        else if (_stack.Count == 0)
        {
            _stack.Add(context);
        }
        else
        {
            _stack[^1] = context;
        }
    }
}
