/* ---------------------------------------------------------------- the machine's mechanics
 * What the actions and the environment share (model/src/machine.rs): membership, domain
 * objects, the MSI doorbell and ATS rules. A domain object is a pair (kind, generation):
 * D_DEFAULT and D_USER carry the generation of the allocation, the others generation 0. */

/* Machine::members(): probed into its group (dev->iommu_group). */
#define is_member(d, g) (dev_group[d] == (g) && dev_probed[d])

/* Machine::is_current_default(): the group's current default domain object. */
#define is_current_default(g, k, gen) ((k) == D_DEFAULT && (gen) == grp_default_gen[g])

/* DevState::deferred: dev->iommu->attach_deferred. */
#define deferred_of(d) dev_deferred[d]

/* Machine::is_identity(): a separate identity domain, or the current default domain
 * when its type is identity. */
#define is_identity(g, k, gen) ((k) == D_IDENTITY || \
    ((k) == D_DEFAULT && (gen) == grp_default_gen[g] && grp_default_type[g] == DT_Identity))

/* Machine::domain_allows_ats(): SMMUv3 enables ATS only for paging domains
 * (arm_smmu_attach_prepare(), which honours the parking domain's forbid_ats); VT-d in
 * scalable mode for paging and identity domains (dmar_domain_attach_device(),
 * identity_domain_attach_dev()), never in the blocking domain
 * (blocking_domain_attach_dev()). */
#define allows_ats(g, k, gen) (((k) == D_EMPTY_DMA && IOMMU_VTD) || (k) == D_USER || \
    (((k) == D_IDENTITY || (k) == D_DEFAULT) && (!is_identity(g, k, gen) || IOMMU_VTD)))

/* Machine::reaches_doorbell(): an IOVA only through the domain object whose MSI cookie
 * mapped it, the physical doorbell only through an identity domain (for a device out of
 * its group, the release's: RELEASE_KEEPS_DIRECT); untranslated MSI (x86 interrupt
 * remapping) always, and INTx, which no domain translates. */
#define reaches_doorbell(d) (dev_msi[d] == MSI_DIRECT || dev_msi[d] == MSI_INTX || \
    (dev_msi[d] == MSI_PHYSICAL && !dev_probed[d] && RELEASE_KEEPS_DIRECT) || \
    (dev_msi[d] == MSI_PHYSICAL && dev_probed[d] && \
        is_identity(dev_group[d], grp_dom[dev_group[d]], grp_dom_gen[dev_group[d]])) || \
    (dev_msi[d] == MSI_IOVA && grp_dom[dev_group[d]] == dev_msi_dom[d] && \
        grp_dom_gen[dev_group[d]] == dev_msi_gen[d]))

/* Machine::switching(): between the steps of a VFIO open or close. */
#define switching(g) (grp_vfio[g] != V_CLOSED && grp_vfio[g] != V_OPEN)

/* Machine::vectors_work(): no vectors (or INTx: a wire the IOMMU does not see); or
 * masked while the group switches (the mask holds the message); or unmasked and reaching
 * the doorbell. */
#define vectors_work(d) (dev_msi[d] == MSI_NONE || dev_msi[d] == MSI_INTX || \
    (dev_msi_masked[d] && switching(dev_group[d])) || \
    (!dev_msi_masked[d] && reaches_doorbell(d)))

/* Machine::aer_listening(): the bound driver signals over MSI (pcieport), its probe done. */
#define aer_listening(d) (drv_msi[dev_driver[d]] && !dev_probing[d])

/* A u8 counter's saturating_add(1) and saturating_sub(1). */
inline inc_sat(v) {
    if
    :: v < 255 -> v = v + 1
    :: else -> skip
    fi
}

inline dec_sat(v) {
    if
    :: v > 0 -> v = v - 1
    :: else -> skip
    fi
}

/* Machine::compose(): what iommu_dma_prepare_msi() does for a vector prepared now. It maps
 * the doorbell through the current domain's cookie (a DMA-API domain's IOVA cookie, an MSI
 * cookie, 7.3's iommufd sw_msi); leaves the physical address with no domain or an identity
 * one; and in a domain without a cookie (blocking, a user domain before
 * iommu_get_msi_cookie()) leaves the physical address on 6.12 and refuses with -EOPNOTSUPP
 * on 7.3 (PREPARE_NEEDS_COOKIE), which cp_a says as MSI_INTX, the fallback of a refused
 * allocation. x86 never goes through the IOMMU. Into cp_a, cp_k, cp_gen. */
inline compose(d) {
    cp_k = D_NONE;
    cp_gen = 0;
    if
    :: !MSI_TRANSLATED -> cp_a = MSI_DIRECT
    :: MSI_TRANSLATED && !dev_probed[d] -> cp_a = MSI_PHYSICAL /* no group, no domain */
    :: MSI_TRANSLATED && dev_probed[d] ->
        if
        :: grp_dom[dev_group[d]] == D_DEFAULT ->
            if
            :: grp_default_type[dev_group[d]] == DT_Identity &&
               grp_dom_gen[dev_group[d]] == grp_default_gen[dev_group[d]] -> cp_a = MSI_PHYSICAL
            :: else -> cp_a = MSI_IOVA; cp_k = D_DEFAULT; cp_gen = grp_dom_gen[dev_group[d]]
            fi
        :: grp_dom[dev_group[d]] == D_EMPTY_DMA -> cp_a = MSI_IOVA; cp_k = D_EMPTY_DMA
        :: grp_dom[dev_group[d]] == D_USER && grp_user_cookie[dev_group[d]] ->
            cp_a = MSI_IOVA; cp_k = D_USER; cp_gen = grp_dom_gen[dev_group[d]]
        :: grp_dom[dev_group[d]] == D_USER || grp_dom[dev_group[d]] == D_BLOCKED ->
            if
            :: PREPARE_NEEDS_COOKIE -> cp_a = MSI_INTX
            :: else -> cp_a = MSI_PHYSICAL
            fi
        :: else -> cp_a = MSI_PHYSICAL /* no domain, identity */
        fi
    fi
}

/* Machine::allocate_vectors(): vectors composed against the group's current domain (on
 * 7.3, INTx when the preparation is refused); a switch's upstream port gets none
 * (pcie_port_device_register() finds no service). */
inline allocate_vectors(d) {
    if
    :: dev_kind[d] == K_UPSTREAM_PORT -> skip
    :: else ->
        compose(d);
        dev_msi[d] = cp_a;
        dev_msi_dom[d] = cp_k;
        dev_msi_gen[d] = cp_gen;
        dev_msi_masked[d] = 0
    fi
}

/* Msi::None: the driver freed its vectors, or the device went. */
inline free_vectors(d) {
    dev_msi[d] = MSI_NONE;
    dev_msi_dom[d] = D_NONE;
    dev_msi_gen[d] = 0;
    dev_msi_masked[d] = 0
}

/* Machine::attach(): every member moves to the domain object (k, gen); the IOMMU driver
 * sets each capable member's ATS from it. A deferred attach ends in any domain but the
 * default one (__iommu_device_set_domain()). */
inline attach(g, k, gen) {
    if
    :: grp_dom[g] == (k) && grp_dom_gen[g] == (gen) -> skip
    :: else ->
        grp_dom[g] = k;
        grp_dom_gen[g] = gen;
        at_ok = allows_ats(g, k, gen);
        for (at_i : 0 .. N_DEV - 1) {
            if
            :: is_member(at_i, g) ->
                dev_ats_on[at_i] = (at_ok && dev_ats_cap[at_i] && !dev_untrusted[at_i]);
                dev_deferred[at_i] = (dev_deferred[at_i] && is_current_default(g, k, gen))
            :: else -> skip
            fi
        }
    fi
}
