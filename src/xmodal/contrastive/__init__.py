"""Contrastive similarities and losses: symmetric InfoNCE, NT-Xent, random Fourier features, WPCE (paper 02)."""
from .heads import CLIPHead, LogitScale, WPCEHead
from .losses import info_nce, nt_xent
from .tokens import gather_packed, pack_tokens
from .rff import KERNELS, RFF, exact_kernel, imq_kernel, imq_radius_pdf, rbf_kernel
from .wpce import (
    positive_weight,
    signed_weight,
    wpce_embed,
    wpce_similarity_exact,
    wpce_similarity_matrix_exact,
)

__all__ = [
    "info_nce",
    "nt_xent",
    "RFF",
    "KERNELS",
    "rbf_kernel",
    "imq_kernel",
    "exact_kernel",
    "imq_radius_pdf",
    "wpce_embed",
    "wpce_similarity_exact",
    "wpce_similarity_matrix_exact",
    "signed_weight",
    "positive_weight",
    "CLIPHead",
    "LogitScale",
    "WPCEHead",
    "pack_tokens",
    "gather_packed",
]
