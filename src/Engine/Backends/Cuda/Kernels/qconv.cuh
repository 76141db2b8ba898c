// QuantizedOps.QConv's parameters and int8 output rounding, shared by the INT8 kernels.
struct QConvParams
{
    ConvParams conv;
    float x_scale;
    float inv_y_scale;
    float residual_scale;
    int out_int8;
    int residual_int8;
};

__device__ __forceinline__ signed char requantize(float v, float inverse)
{
    float q = rintf(v * inverse);
    return (signed char)fminf(fmaxf(q, -127.f), 127.f);
}

