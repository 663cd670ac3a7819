namespace Bulwark.Torch;

/// <summary>An error reported by libtorch through the native shim; the message is libtorch's, without a C++ backtrace.</summary>
public class TorchException : Exception
{
    public TorchException(string message)
        : base(message)
    {
    }

    public TorchException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>An index or dimension out of range (libtorch's <c>IndexError</c>).</summary>
public sealed class TorchIndexException(string message) : TorchException(message);

/// <summary>An invalid argument value (libtorch's <c>ValueError</c>).</summary>
public sealed class TorchValueException(string message) : TorchException(message);

/// <summary>An unsupported dtype or type combination (libtorch's <c>TypeError</c>).</summary>
public sealed class TorchTypeException(string message) : TorchException(message);

/// <summary>An operation libtorch does not implement for these arguments.</summary>
public sealed class TorchNotImplementedException(string message) : TorchException(message);

/// <summary>The device or host ran out of memory.</summary>
public sealed class TorchOutOfMemoryException(string message) : TorchException(message);
