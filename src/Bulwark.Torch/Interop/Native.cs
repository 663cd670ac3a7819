using System.Runtime.InteropServices;

namespace Bulwark.Torch.Interop;

/// <summary>The one place where a native status becomes a .NET exception.</summary>
internal static class Native
{
    internal static void Check(int status)
    {
        if (status != 0)
        {
            Throw(status);
        }
    }

    private static void Throw(int status)
    {
        var message = Marshal.PtrToStringUTF8(NativeMethods.BwError_message()) ?? "native error";
        throw status switch
        {
            2 => new TorchIndexException(message),
            3 => new TorchValueException(message),
            4 => new TorchTypeException(message),
            5 => new TorchNotImplementedException(message),
            6 => new TorchOutOfMemoryException(message),
            _ => new TorchException(message),
        };
    }

    /// <summary>
    /// Raw handles of several tensors for one native call, each kept alive (AddRef) until disposed, so
    /// that no tensor can be freed while native code reads it.
    /// </summary>
    internal readonly ref struct HandleArray
    {
        private readonly SafeHandle[] owners;

        internal HandleArray(IReadOnlyList<Tensor?> tensors)
        {
            owners = new SafeHandle[tensors.Count];
            Pointers = new nint[tensors.Count];
            try
            {
                for (var i = 0; i < tensors.Count; i++)
                {
                    var tensor = tensors[i];
                    if (tensor is null)
                    {
                        continue;
                    }

                    var handle = tensor.Handle;
                    var added = false;
                    handle.DangerousAddRef(ref added);
                    owners[i] = handle;
                    Pointers[i] = handle.DangerousGetHandle();
                }
            }
            catch
            {
                // A disposed tensor further down the list: the caller's `using` never receives this
                // array, so release the references taken so far, or those tensors could never be freed.
                Dispose();
                throw;
            }
        }

        internal nint[] Pointers { get; }

        public void Dispose()
        {
            foreach (var owner in owners)
            {
                owner?.DangerousRelease();
            }
        }
    }
}
