namespace Bulwark.Data;

/// <summary>The element types an IDX file can declare in the third byte of its magic number.</summary>
public enum IdxElementType : byte
{
    /// <summary>Unsigned byte; read as <c>uint8</c>. MNIST's images and labels use it.</summary>
    UnsignedByte = 0x08,

    /// <summary>Signed byte; read as <c>int32</c>, because the tensor engine has no 8-bit signed type.</summary>
    SignedByte = 0x09,

    /// <summary>Big-endian 16-bit integer; read as <c>int32</c>, because the tensor engine has no 16-bit type.</summary>
    Int16 = 0x0B,

    /// <summary>Big-endian 32-bit integer; read as <c>int32</c>.</summary>
    Int32 = 0x0C,

    /// <summary>Big-endian IEEE-754 single; read as <c>float32</c>.</summary>
    Float32 = 0x0D,

    /// <summary>Big-endian IEEE-754 double; read as <c>float64</c>.</summary>
    Float64 = 0x0E,
}
